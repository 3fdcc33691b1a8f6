"""Values read once per database transaction: settings-like rows that admins change rarely."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from sqlalchemy.orm import Session

T = TypeVar("T")


def once_per_transaction(session: Session, key: str, compute: Callable[[], T]) -> T:
    """`compute()` the first time in this transaction of `session`, then the kept value.

    Kept in `session.info` beside the transaction it belongs to, so the next transaction
    reads afresh; `session.info.pop(key)` forgets it sooner (after an edit).
    """
    transaction = session.get_transaction()
    held = session.info.get(key)
    if held is None or held[0] is not transaction:
        held = (transaction, compute())
        session.info[key] = held
    return cast(T, held[1])
