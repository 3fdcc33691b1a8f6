"""Small sets of values read once per transaction, to skip lookups that would find nothing.

Intake asks, for every new mail, whether the sender has an open lead and whether their
domain belongs to an organisation; most answers are no, and a query per mail to learn it
cost more than the rest of the step. A batch of mails in one transaction reads the few
values once instead. Such a set only ever says "no" for certain: a value in it is looked
up as before. A row of the watched kind added or changed through the session in that
transaction (pending or flushed) drops the set; above `most` values none is kept.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import Select, event
from sqlalchemy.orm import Session

_KEY = "crm.transaction_sets"
_WATCHED: dict[str, type] = {}  # each set's name -> the mapped class whose rows it reads


def values_once(
    session: Session, name: str, query: Select[Any], watched: type, most: int
) -> frozenset[str] | None:
    """The values `query` selects (limit it to `most` + 1), once per transaction of
    `session`; None when there are more than `most` or a `watched` row was edited."""
    _WATCHED[name] = watched
    sets: dict[str, tuple[object, frozenset[str] | None]] = session.info.setdefault(_KEY, {})
    if _edited(session, watched):
        sets.pop(name, None)
        return None
    transaction = session.get_transaction()
    held = sets.get(name)
    if held is not None and held[0] is transaction:
        return held[1]
    # No autoflush: a pending row of the watched kind was ruled out above, and flushing
    # the caller's other pending rows here would cost intake a flush of its own.
    with session.no_autoflush:
        values = frozenset(str(value) for value in session.scalars(query) if value)
    kept = values if len(values) <= most else None
    sets[name] = (transaction, kept)
    return kept


def _edited(session: Session, watched: type) -> bool:
    changed = chain(session.new, session.dirty, session.deleted)
    return any(isinstance(instance, watched) for instance in changed)


@event.listens_for(Session, "before_flush")
def _forget_on_edit(session: Session, _context: object, _instances: object) -> None:
    sets: dict[str, object] = session.info.get(_KEY) or {}
    for name in list(sets):
        if _edited(session, _WATCHED[name]):
            del sets[name]
