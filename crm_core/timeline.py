"""One entry of a customer's 360 timeline, whatever package it comes from.

Each concept (requests, orders, opportunities, notes, stage changes, campaign touches)
contributes entries through a source function; the 360 view merges them by time. The
sources of crm_core's own packages live beside their tables; the desk adds its requests
and messages above crm_core, which may not read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class TimelineEntry:
    """Something that happened with a customer.

    `kind` names the concept ("request", "message", "order", "opportunity", "note",
    "stage", "campaign", ...); `ref` names the record it points at as (kind, id) so the web
    layer can link it without crm_core knowing any URL.
    """

    at: datetime
    kind: str
    title: str
    detail: str = ""
    ref: tuple[str, int] | None = None


# A source is given the session and the ids of the customers to show (a person, or every
# person of an organisation) and returns their entries, newest first or in any order.
TimelineSource = Callable[[Session, Sequence[int]], Iterable[TimelineEntry]]


def merge_timeline(
    session: Session,
    customer_ids: Sequence[int],
    sources: Iterable[TimelineSource],
    limit: int = 200,
) -> list[TimelineEntry]:
    """Every source's entries for these customers, newest first, at most `limit`."""
    entries = [entry for source in sources for entry in source(session, customer_ids)]
    entries.sort(key=lambda entry: as_utc(entry.at), reverse=True)
    return entries[:limit]


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back naive (they were stored in UTC); PostgreSQL aware."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
