"""Export and erasure of a person, run through the composed registry and always audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from crm_core import access
from crm_core.access import PermissionDenied, Viewer
from crm_core.audit import add_audit_parts, record_entry
from crm_core.customers import Customer
from crm_core.db import UnitOfWork, utcnow
from crm_core.personal_data import personal_data_registry
from crm_core.privacy import (
    PURPOSES,
    PrivacyRegistry,
    add_customer_eraser,
    consent_state,
    customers_with_address,
    erasure_of,
    is_erased,
    record_consent,
)
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.customer_access import (
    ensure_may_change_customer,
    ensure_may_see_customer,
)
from servicedesk.desk.errors import NotFound
from servicedesk.desk.privacy.requests import add_desk_parts

EXPORT_FORMAT = "servicedesk.person-export/1"
# A package's contribution: it adds its exporters and erasers to the registry.
Part = Callable[[PrivacyRegistry], None]


class PersonNotFound(NotFound):
    """No customer is known by that address or id."""


@dataclass(frozen=True)
class ErasureReport:
    customer_ids: list[int]
    request_count: int
    erasers: list[str]


def registry_with(store: AttachmentStore | None, parts: Iterable[Part] = ()) -> PrivacyRegistry:
    """crm_core's, the audit log's and the desk's parts, then `parts`, the customer row last."""
    registry = personal_data_registry()
    add_audit_parts(registry)
    add_desk_parts(registry, store)
    for part in parts:
        part(registry)
    add_customer_eraser(registry)
    return registry


def _people(session: Session, address: str | None, customer_id: int | None) -> list[Customer]:
    if customer_id is not None:
        found = session.get(Customer, customer_id)
        people = [found] if found is not None and not is_erased(found) else []
    else:
        people = customers_with_address(session, address or "")
    if not people:
        raise PersonNotFound(f"no customer is known by {address or f'id {customer_id}'}")
    return people


def ensure_may_export(session: Session, viewer: Viewer, customer_id: int) -> None:
    """Admins export anyone; agents the customers they serve; no other role exports."""
    if viewer.is_admin:
        return
    if not viewer.has(access.AGENT):
        raise PermissionDenied("only an admin or an agent may export a person's data")
    ensure_may_see_customer(session, viewer, customer_id)


def export_person(
    session: Session,
    registry: PrivacyRegistry,
    viewer: Viewer,
    address: str | None = None,
    *,
    customer_id: int | None = None,
) -> dict[str, Any]:
    """All data of the person known by `address` (or the customer `customer_id`) as JSON.

    Several customer records may carry one address (unmerged duplicates): each is
    exported. Every export is audited; the caller commits.
    """
    people = _people(session, address, customer_id)
    for person in people:
        ensure_may_export(session, viewer, person.id)
    records = [registry.export(session, person.id) for person in people]
    for person in people:
        record_entry(session, viewer, "customer", person.id, "export", reason="GDPR/CCPA export")
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "requested_for": address or f"customer #{customer_id}",
        "parts": list(registry.exporters),
        "customers": records,
    }


def erase_person(
    uow: UnitOfWork,
    registry: PrivacyRegistry,
    viewer: Viewer,
    address: str | None = None,
    *,
    customer_id: int | None = None,
    reason: str | None = None,
) -> ErasureReport:
    """Anonymise the person everywhere (admins only); files go once the caller commits.

    Request rows stay (with status, category and times) so counts and reports are
    unchanged; the customer row stays as a tombstone. The audit entry names the
    customer id and the actor, never the person.
    """
    access.ensure_admin(viewer, "erase a person")
    session = uow.session
    people = _people(session, address, customer_id)
    requests = 0
    for person in people:
        erasure = erasure_of(session, person)
        registry.erase(session, erasure)
        requests += len(erasure.related.get("requests", []))
        for callback in erasure.later:
            uow.after_commit(callback)
        record_entry(
            session,
            viewer,
            "customer",
            person.id,
            "erase",
            changes={"requests_redacted": len(erasure.related.get("requests", []))},
            reason=reason or "GDPR/CCPA erasure",
        )
    session.flush()
    return ErasureReport([p.id for p in people], requests, list(registry.erasers))


def record_customer_consent(
    session: Session, viewer: Viewer, customer_id: int, purpose: str, granted: bool, source: str
) -> None:
    """An agent or rep records a consent answer they were given (scoped, audited).

    `ConsentError` names a bad purpose or a missing source.
    """
    ensure_may_change_customer(session, viewer, customer_id)
    before = consent_state(session, customer_id)[purpose] if purpose in PURPOSES else None
    record_consent(
        session, customer_id, purpose, granted=granted, source=source, recorded_by=viewer.label
    )
    record_entry(
        session, viewer, "customer", customer_id, "consent",
        changes={purpose: [before, granted]}, reason=source,
    )  # fmt: skip
