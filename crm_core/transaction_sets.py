"""Small sets of values read once per transaction, to skip lookups that would find nothing.

Intake asks, for every new mail, whether the sender has an open lead and whether their
domain belongs to an organisation; most answers are no, and a query per mail to learn it
cost more than the rest of the step. A batch of mails in one transaction reads the few
values once instead (`crm_core.per_transaction`). Such a set only ever says "no" for
certain: a value in it is looked up as before. A row of the watched kind added or changed
through the session in that transaction (pending or flushed) drops the set; above `most`
values none is kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from crm_core.per_transaction import edited, once_per_transaction


def values_once(
    session: Session, name: str, query: Select[Any], watched: type, most: int
) -> frozenset[str] | None:
    """The values `query` selects (limit it to `most` + 1), once per transaction of
    `session`; None when there are more than `most` or a `watched` row is pending."""
    if edited(session, (watched,)):
        return None

    def read() -> frozenset[str] | None:
        # No autoflush: a pending row of the watched kind was ruled out above, and
        # flushing the caller's other pending rows here would cost intake a flush.
        with session.no_autoflush:
            values = frozenset(str(value) for value in session.scalars(query) if value)
        return values if len(values) <= most else None

    return once_per_transaction(session, f"sets.{name}", read, (watched,))
