"""Writing and reading the audit log."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.audit.models import AuditEntry
from crm_core.customers import Customer, CustomFieldDefinition, Organization
from crm_core.jsonable import plain, row_as_json
from crm_core.privacy.registry import Erasure, PrivacyRegistry

# The tables whose changes `audited` writes down by itself, and the entity name of each;
# packages above crm_core add theirs with `register_audited` (settings-like admin tables).
AUDITED_FIELDS: dict[type, str] = {
    Customer: "customer",
    Organization: "organisation",
    CustomFieldDefinition: "custom_field",
}
# Columns whose values never enter the log (secrets): a change shows as "(changed)".
_HIDDEN: dict[type, frozenset[str]] = {}
HIDDEN_VALUE = "(changed)"
# Bookkeeping columns that change on every write and tell the reader nothing.
_SKIPPED = {"updated_at", "name_key"}
_ACTOR = "crm_core.audit.actor"
_REASON = "crm_core.audit.reason"


def register_audited(model: type, entity: str, hidden: tuple[str, ...] = ()) -> None:
    """Log `model`'s changes made inside `audited`; `hidden` columns without their values."""
    AUDITED_FIELDS[model] = entity
    _HIDDEN[model] = frozenset(hidden)


def record_entry(
    session: Session,
    viewer: Viewer,
    entity: str,
    entity_id: object,
    action: str,
    *,
    changes: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Append one entry to the log (flushed with the caller's transaction)."""
    entry = AuditEntry(
        actor_id=viewer.user_id,
        actor_name=viewer.label[:200],
        entity=entity,
        entity_id=str(entity_id)[:100],
        action=action,
        changes=plain(changes or {}),
        reason=reason,
    )
    session.add(entry)
    return entry


@contextmanager
def audited(session: Session, viewer: Viewer, reason: str | None = None) -> Iterator[Session]:
    """Within the block, every customer and organisation change flushed is logged.

    Changes made before the block are flushed first, unlogged: they are not the viewer's.
    """
    session.flush()
    previous = session.info.get(_ACTOR), session.info.get(_REASON)
    session.info[_ACTOR], session.info[_REASON] = viewer, reason
    try:
        yield session
        session.flush()
    finally:
        session.info[_ACTOR], session.info[_REASON] = previous


@event.listens_for(Session, "before_flush")
def _log_changes(session: Session, _context: Any, _instances: Any) -> None:
    viewer = session.info.get(_ACTOR)
    if viewer is None:
        return
    reason = session.info.get(_REASON)
    pending: list[tuple[Any, str, dict[str, Any]]] = []
    for obj in session.dirty:
        entity = AUDITED_FIELDS.get(type(obj))
        if entity is not None and session.is_modified(obj, include_collections=False):
            changes = _changes(obj)
            if changes:
                pending.append((obj, "update", changes))
    for obj in session.deleted:
        entity = AUDITED_FIELDS.get(type(obj))
        if entity is not None:
            pending.append((obj, "delete", {}))
    pending.sort(key=lambda item: (AUDITED_FIELDS[type(item[0])], item[0].id))
    for obj, action, changes in pending:
        record_entry(
            session,
            viewer,
            AUDITED_FIELDS[type(obj)],
            obj.id,
            action,
            changes=changes,
            reason=reason,
        )
    created = [obj for obj in session.new if type(obj) in AUDITED_FIELDS]
    if created:
        # Ids exist only after the insert: log the creations once the flush assigned them.
        event.listen(session, "after_flush", _creations(viewer, reason, created), once=True)


def _creations(viewer: Viewer, reason: str | None, created: list[Any]) -> Any:
    def log(session: Session, _context: Any) -> None:
        for obj in created:
            state = inspect(obj)
            hidden = _HIDDEN.get(type(obj), frozenset())
            after = {
                attr.key: [
                    None,
                    HIDDEN_VALUE if attr.key in hidden else plain(getattr(obj, attr.key)),
                ]
                for attr in state.mapper.column_attrs
                if attr.key not in _SKIPPED | {"id", "created_at"}
                and getattr(obj, attr.key) is not None
            }
            session.add(
                AuditEntry(
                    actor_id=viewer.user_id,
                    actor_name=viewer.label[:200],
                    entity=AUDITED_FIELDS[type(obj)],
                    entity_id=str(obj.id),
                    action="create",
                    changes=after,
                    reason=reason,
                )
            )

    return log


def _changes(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    found: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _SKIPPED:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if plain(before) != plain(after):
                found[attr.key] = [plain(before), plain(after)]
    for key in _HIDDEN.get(type(obj), frozenset()) & found.keys():
        found[key] = [HIDDEN_VALUE, HIDDEN_VALUE]
    # A many-to-one set through its relationship (customer.organization = org) moves the
    # foreign key only during the flush: read it from the relationship's history instead.
    for rel in state.mapper.relationships:
        history = state.attrs[rel.key].history
        if rel.direction.name != "MANYTOONE" or not history.has_changes():
            continue
        key = next(iter(rel.local_columns)).key
        if key is None or key in found:
            continue
        before = getattr(history.deleted[0], "id", None) if history.deleted else None
        after = getattr(history.added[0], "id", None) if history.added else None
        if before != after:
            found[key] = [before, after]
    return found


def scrub_entity(session: Session, entity: str, entity_id: object) -> int:
    """Blank the values and reasons of every entry about one record (erasure); keeps the rest."""
    result = session.execute(
        update(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .values(changes={}, reason=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class AuditFilter:
    """What the admin asked to see; every field is optional."""

    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def list_entries(
    session: Session, flt: AuditFilter, page: int = 1, per_page: int = 50
) -> AuditPage:
    """One page of entries matching the filter, newest first."""
    query = select(AuditEntry)
    for column, value in (
        (AuditEntry.entity, flt.entity),
        (AuditEntry.entity_id, flt.entity_id),
        (AuditEntry.action, flt.action),
        (AuditEntry.actor_id, flt.actor_id),
    ):
        if value is not None and value != "":
            query = query.where(column == value)
    if flt.since is not None:
        query = query.where(AuditEntry.at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEntry.at < flt.until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    rows = session.scalars(
        query.order_by(AuditEntry.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return AuditPage(list(rows), total, page, per_page)


def export_entries(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """The GDPR export's part: every entry about this customer."""
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "customer", AuditEntry.entity_id == str(customer_id))
        .order_by(AuditEntry.id)
    )
    return [row_as_json(row) for row in rows]


def erase_entries(session: Session, erasure: Erasure) -> None:
    """The erasure's part: entries about the customer keep who and when, lose the values."""
    scrub_entity(session, "customer", erasure.customer_id)


def add_audit_parts(registry: PrivacyRegistry) -> None:
    registry.add_exporter("audit", export_entries, ["audit_entries"])
    registry.add_eraser("audit", erase_entries, ["audit_entries"])
