"""Merge two records of one person into one, and undo it within 30 days.

Every row of any table that points at the merged customer (identities, requests,
messages, notes, orders, opportunities, ... whoever added them) is re-pointed at the
survivor. The tables are found in `Base.metadata` at merge time, so tables that other
packages add later are covered without being named here. A row that cannot move because
the survivor already has its twin (a unique key that includes the customer, e.g. the
same tag twice) is set aside: deleted, with a copy kept on the merge record.

The merge record keeps who merged what and when, a snapshot of the merged customer, the
survivor's fields as they were before the chosen values replaced them, and the primary
keys of exactly the rows that moved. `undo_merge` inserts the merged customer again with
its id, moves exactly those rows back and restores the survivor's fields and the rows
set aside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_core.access import Viewer
from crm_core.customers.models import Customer
from crm_core.customers.rows import (
    JsonRow,
    row_from_json,
    row_to_json,
    value_from_json,
    value_to_json,
)
from crm_core.customers.visibility import check_changes
from crm_core.db import Base, utcnow

UNDO_WINDOW = timedelta(days=30)
SURVIVOR, MERGED = "survivor", "merged"
# Columns a merge never takes from the other record: the key and the bookkeeping.
_FIXED_COLUMNS = frozenset({"id", "created_at", "updated_at"})
_CHUNK = 500


class MergeError(ValueError):
    """The merge or its undo cannot be done; the message says why."""


class CustomerMerge(Base):
    """Who merged which customer into which, what moved, and whether it was undone.

    No foreign keys to customers on purpose: the merged customer is gone while the
    record stands, and a foreign key here would itself be re-pointed by later merges.
    """

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(Integer, index=True)
    merged_id: Mapped[int] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The merged customer's row, and the survivor's values the merge replaced.
    snapshot: Mapped[JsonRow] = mapped_column(JSON)
    survivor_before: Mapped[JsonRow] = mapped_column(JSON, default=dict)
    # [{"table", "column", "keys": [[pk values], ...]}] for the rows that moved, and
    # [{"table", "row": {...}}] for the rows set aside.
    repointed: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    set_aside: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by: Mapped[int | None] = mapped_column(Integer)
    status_note: Mapped[str] = mapped_column(String(200), default="")

    @property
    def moved_rows(self) -> int:
        return sum(len(group["keys"]) for group in self.repointed)

    def undo_until(self) -> datetime:
        merged_at = self.merged_at
        if merged_at.tzinfo is None:  # SQLite hands back naive UTC
            merged_at = merged_at.replace(tzinfo=UTC)
        return merged_at + UNDO_WINDOW


def _customers() -> Table:
    table = Customer.__table__
    assert isinstance(table, Table)
    return table


def mergeable_fields() -> list[str]:
    """The customer columns a merge can take from either record."""
    return [c.name for c in Customer.__table__.columns if c.name not in _FIXED_COLUMNS]


def referencing_columns() -> list[tuple[Table, str]]:
    """Every (table, column) with a foreign key to customers.id, in a stable order."""
    customers = _customers()
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is customers and fk.column.name == "id":
                found.append((table, fk.parent.name))
    return found


def merge_customers(
    session: Session,
    survivor_id: int,
    merged_id: int,
    actor_id: int | None,
    choices: Mapping[str, str] | None = None,
    *,
    viewer: Viewer | None = None,
) -> CustomerMerge:
    """Merge customer `merged_id` into `survivor_id`; `choices` maps a field to "merged"
    to take the merged record's value (by default the survivor keeps its own, and fills
    its blanks from the merged record). With a `viewer`, both must be theirs to change."""
    if survivor_id == merged_id:
        raise MergeError("a customer cannot be merged with itself")
    if viewer is not None:
        check_changes(session, viewer, survivor_id)
        check_changes(session, viewer, merged_id)
    survivor, merged = session.get(Customer, survivor_id), session.get(Customer, merged_id)
    if survivor is None or merged is None:
        raise MergeError(f"no customer {merged_id if survivor else survivor_id}")
    taken = _resolve(choices or {}, survivor, merged)
    session.flush()
    table = _customers()
    row = session.execute(select(table).where(table.c.id == merged_id)).one()
    record = CustomerMerge(
        survivor_id=survivor_id, merged_id=merged_id, actor_id=actor_id,
        snapshot=row_to_json(table, row), survivor_before={}, repointed=[], set_aside=[],
    )  # fmt: skip
    record.set_aside = _set_aside_twins(session, survivor_id, merged_id)
    record.repointed = _repoint(session, merged_id, survivor_id)
    session.expunge(merged)
    session.execute(delete(table).where(table.c.id == merged_id))
    # After the delete: a unique column (a keyed hash, say) may take the merged value.
    record.survivor_before = _take_fields(session, survivor_id, {f: row._mapping[f] for f in taken})
    session.expire_all()  # loaded rows still show the old customer ids
    session.add(record)
    session.flush()
    return record


def _resolve(choices: Mapping[str, str], survivor: Customer, merged: Customer) -> list[str]:
    """The fields whose value comes from the merged record."""
    fields = mergeable_fields()
    unknown = [f for f in choices if f not in fields]
    if unknown:
        raise MergeError(f"{unknown[0]}: not a field a merge can choose")
    bad = [f for f, side in choices.items() if side not in {SURVIVOR, MERGED}]
    if bad:
        raise MergeError(f"{bad[0]}: choose {SURVIVOR!r} or {MERGED!r}")
    taken = [f for f, side in choices.items() if side == MERGED]
    for field in fields:  # blanks are filled unless the survivor's blank was chosen
        key = _attr(field)
        if field not in choices and _fills_blank(getattr(survivor, key), getattr(merged, key)):
            taken.append(field)
    return taken


def _attr(column_name: str) -> str:
    return Customer.__mapper__.get_property_by_column(Customer.__table__.c[column_name]).key


def _fills_blank(mine: object, theirs: object) -> bool:
    def blank(value: object) -> bool:
        return value is None or value == "" or value == [] or value == {}

    return blank(mine) and not blank(theirs)


def _take_fields(session: Session, survivor_id: int, values: dict[str, Any]) -> JsonRow:
    """Set the survivor's `values`; its old values of those fields, as JSON."""
    if not values:
        return {}
    table = _customers()
    columns = [table.c[f] for f in values]
    old = session.execute(select(*columns).where(table.c.id == survivor_id)).one()
    session.execute(update(table).where(table.c.id == survivor_id).values(values))
    return {f: value_to_json(v) for f, v in zip(values, old, strict=True)}


def _unique_sets(table: Table, column: str) -> list[list[str]]:
    """The other columns of each unique key of `table` that includes `column`."""
    keys = [list(table.primary_key.columns)]
    keys += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [list(i.columns) for i in table.indexes if i.unique]
    found = []
    for key in keys:
        names = [c.name for c in key]
        if column in names:
            found.append([n for n in names if n != column])
    return found


def _set_aside_twins(session: Session, survivor_id: int, merged_id: int) -> list[dict[str, Any]]:
    """Delete (keeping a copy) the merged customer's rows whose twin the survivor has."""
    kept: list[dict[str, Any]] = []
    for table, column in referencing_columns():
        for others in _unique_sets(table, column):
            mine = session.execute(select(table).where(table.c[column] == merged_id)).all()
            theirs = {
                tuple(r._mapping[o] for o in others)
                for r in session.execute(select(table).where(table.c[column] == survivor_id))
            }
            for row in mine:
                key = tuple(row._mapping[o] for o in others)
                if None not in key and key in theirs:  # NULLs never clash in SQL
                    kept.append({"table": table.name, "row": row_to_json(table, row)})
                    session.execute(delete(table).where(*_pk_match(table, row)))
    return kept


def _pk_match(table: Table, row: Any) -> list[Any]:
    return [c == row._mapping[c.name] for c in table.primary_key.columns]


def _repoint(session: Session, from_id: int, to_id: int) -> list[dict[str, Any]]:
    """Point every reference to `from_id` at `to_id`; the moved rows' keys per column."""
    moved = []
    for table, column in referencing_columns():
        pk = list(table.primary_key.columns)
        keys = [list(r) for r in session.execute(select(*pk).where(table.c[column] == from_id))]
        if not keys:
            continue
        session.execute(update(table).where(table.c[column] == from_id).values({column: to_id}))
        moved.append({"table": table.name, "column": column, "keys": [_key_json(k) for k in keys]})
    return moved


def _key_json(values: Sequence[Any]) -> list[Any]:
    return [value_to_json(v) for v in values]


def undo_merge(
    session: Session, merge_id: int, actor_id: int | None, now: datetime | None = None
) -> CustomerMerge:
    """Bring the merged customer back and move exactly the re-pointed rows back to it."""
    record = session.get(CustomerMerge, merge_id)
    if record is None:
        raise MergeError(f"no merge {merge_id}")
    _check_undoable(session, record, now or utcnow())
    table = _customers()
    session.flush()
    session.execute(insert(table).values(row_from_json(table, record.snapshot)))
    if record.survivor_before:
        values = row_from_json(table, record.survivor_before)
        session.execute(update(table).where(table.c.id == record.survivor_id).values(values))
    tables = Base.metadata.tables
    for group in record.repointed:
        _move_back(session, tables[group["table"]], group, record)
    for aside in record.set_aside:
        target = tables[aside["table"]]
        session.execute(insert(target).values(row_from_json(target, aside["row"])))
    record.undone_at, record.undone_by = utcnow(), actor_id
    session.flush()
    session.expire_all()
    session.refresh(record)  # callers read it after the unit of work closed
    return record


def _move_back(
    session: Session, table: Table, group: dict[str, Any], record: CustomerMerge
) -> None:
    pk = list(table.primary_key.columns)
    column = table.c[group["column"]]
    for start in range(0, len(group["keys"]), _CHUNK):
        chunk = group["keys"][start : start + _CHUNK]
        keys = [tuple(value_from_json(c, v) for c, v in zip(pk, k, strict=True)) for k in chunk]
        match = pk[0].in_([k[0] for k in keys]) if len(pk) == 1 else tuple_(*pk).in_(keys)
        session.execute(
            update(table)
            .where(match, column == record.survivor_id)
            .values({column.name: record.merged_id})
        )


def _check_undoable(session: Session, record: CustomerMerge, now: datetime) -> None:
    if record.undone_at is not None:
        raise MergeError(f"merge {record.id} was undone already")
    if now > record.undo_until():
        raise MergeError(
            f"merge {record.id} is older than {UNDO_WINDOW.days} days: too late to undo"
        )
    if session.get(Customer, record.survivor_id) is None:
        raise MergeError(
            f"customer {record.survivor_id} is gone (merged again?): undo that merge first"
        )
    if session.get(Customer, record.merged_id) is not None:
        raise MergeError(f"customer {record.merged_id} exists again")


def recent_merges(session: Session, limit: int = 50) -> list[CustomerMerge]:
    return list(
        session.scalars(select(CustomerMerge).order_by(CustomerMerge.id.desc()).limit(limit))
    )
