"""Values read once per database transaction: settings-like rows that admins change rarely.

A value is kept in `session.info` beside the transaction it belongs to, so the next
transaction reads afresh. With `watched` mapped classes, an edit of such a row in the same
transaction (pending, or flushed) drops the kept value, so the transaction sees its own
edit; `forget` drops it by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
_KEY = "crm.per_transaction"
_WATCHED: dict[str, tuple[type, ...]] = {}  # each key -> the classes whose edits drop it


def once_per_transaction(
    session: Session, key: str, compute: Callable[[], T], watched: tuple[type, ...] = ()
) -> T:
    """`compute()` the first time in this transaction of `session`, then the kept value
    (computed again while a pending edit of a `watched` row is in the session)."""
    if watched:
        _WATCHED[key] = watched
    kept: dict[str, tuple[Any, Any]] = session.info.setdefault(_KEY, {})
    transaction = session.get_transaction()
    held = kept.get(key)
    if held is None or held[0] is not transaction or edited(session, watched):
        held = (transaction, compute())
        kept[key] = held
    return cast(T, held[1])


def forget(session: Session, key: str) -> None:
    """Drop the transaction's kept value for `key` (after an edit of what it read)."""
    session.info.get(_KEY, {}).pop(key, None)


def edited(session: Session, watched: tuple[type, ...]) -> bool:
    """Whether the session holds a pending edit of a row of one of the `watched` classes."""
    if not watched:
        return False
    changed = chain(session.new, session.dirty, session.deleted)
    return any(isinstance(instance, watched) for instance in changed)


@event.listens_for(Session, "before_flush")
def _forget_on_edit(session: Session, _context: object, _instances: object) -> None:
    # After the flush the edits are no longer pending, so they are looked for now.
    kept: dict[str, Any] = session.info.get(_KEY) or {}
    for key in list(kept):
        if edited(session, _WATCHED.get(key, ())):
            del kept[key]
