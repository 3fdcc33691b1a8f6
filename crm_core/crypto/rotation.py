"""Key rotation: every stored value re-encrypted with the newest key.

Run after putting a new key first in the list (`servicedesk crm rotate-keys`); once it
has finished, the old keys may be dropped. Values written before encryption existed are
encrypted (and given their digests) on the way. Works on table rows, not ORM objects,
in batches, so a large table never sits in memory; safe to run twice.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from crm_core.crypto.cipher import FieldCrypto
from crm_core.crypto.fields import ENCRYPTED_MODELS

_BATCH = 1000


def rotate_keys(session_factory: Callable[[], Session], crypto: FieldCrypto) -> dict[str, int]:
    """Re-encrypt every encrypted column; the number of rows rewritten per table."""
    counts: dict[str, int] = {}
    for model in ENCRYPTED_MODELS:
        table: Table = model.__table__  # type: ignore[attr-defined]
        attributes: dict[str, str | None] = model.__encrypted__  # type: ignore[attr-defined]
        condition = getattr(model, "__encrypted_when__", None)
        counts[table.name] = _rotate_table(session_factory, crypto, table, attributes, condition)
    return counts


def _rotate_table(
    session_factory: Callable[[], Session],
    crypto: FieldCrypto,
    table: Table,
    attributes: dict[str, str | None],
    condition: str | None,
) -> int:
    columns = [table.c[name] for name in attributes]
    query = select(table.c.id, *columns).where(or_(*(c.isnot(None) for c in columns)))
    if condition:
        query = query.where(table.c[condition].is_(True))
    rewritten, last_id = 0, 0
    while True:
        with session_factory() as session:
            rows = session.execute(
                query.where(table.c.id > last_id).order_by(table.c.id).limit(_BATCH)
            ).all()
            if not rows:
                return rewritten
            for row in rows:
                values = _rotated(crypto, attributes, row._mapping)
                if values:
                    session.execute(update(table).where(table.c.id == row.id).values(values))
                    rewritten += 1
            session.commit()
            last_id = rows[-1].id


def _rotated(crypto: FieldCrypto, attributes: dict[str, str | None], row: object) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, digest_name in attributes.items():
        value = row[name]  # type: ignore[index]
        if not value or not crypto.needs_rotation(value):
            continue
        values[name] = crypto.rotate(value)
        if digest_name:
            values[digest_name] = crypto.digest(crypto.decrypt(value))
    return values
