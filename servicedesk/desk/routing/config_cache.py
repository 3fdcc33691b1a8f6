"""Routing rules and teams, read once per transaction instead of once per routed request.

Admins edit them rarely and in their own transactions, which the next transaction sees;
an edit inside the same transaction (pending or flushed) drops the copy. A batch of mails
in one transaction (`servicedesk mail ingest`) then reads them once.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from servicedesk.desk.models import Team
from servicedesk.desk.routing.models import RoutingRuleRow

T = TypeVar("T")
_KEY = "routing.per_transaction"
_WATCHED = (Team, RoutingRuleRow)


def per_transaction(session: Session, name: str, load: Callable[[Session], T]) -> T:
    """`load(session)`, remembered for the rest of the session's current transaction."""
    transaction = session.get_transaction()
    cache: dict[str, tuple[Any, Any]] = session.info.setdefault(_KEY, {})
    held = cache.get(name)
    if held is not None and held[0] is transaction and not _edited(session):
        return held[1]  # type: ignore[no-any-return]
    value = load(session)
    cache[name] = (session.get_transaction(), value)
    return value


def _edited(session: Session) -> bool:
    changed = chain(session.new, session.deleted, session.dirty)
    return any(isinstance(instance, _WATCHED) for instance in changed)


@event.listens_for(Session, "before_flush")
def _forget_on_edit(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(_KEY) and _edited(session):
        session.info[_KEY].clear()
