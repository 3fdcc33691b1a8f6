"""crm_core's own parts of the GDPR export and of the erasure of a person.

Export: the customer row with its organisation, identities, consent records and email
confirmations. Erasure: consent becomes a suppression of the hashed addresses (so the
person is never mailed again), confirmations and identities go, rejected import rows that
quote them go, and the customer row stays as a tombstone ("Erased customer #id") so that
requests, orders and counts that point at it stay whole.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Enum, String, Text, delete, or_, select
from sqlalchemy.orm import Session

from crm_core.confirmations import EmailConfirmation
from crm_core.customers import ChannelIdentity, Customer, IdentityKind, Organization
from crm_core.jsonable import row_as_json
from crm_core.privacy.consent import ALL_PURPOSES, ConsentRecord, suppress
from crm_core.privacy.registry import Erasure, PrivacyRegistry

TOMBSTONE = "Erased customer #{id}"
# Columns of the customer row that describe nothing personal and keep reports right.
_KEPT = {
    "id",
    "lifecycle_stage",
    "organization_id",
    "owner_id",
    "created_at",
    "updated_at",
    "customer_since",
    "vip",
    "name",
}


def customers_with_address(session: Session, address: str) -> list[Customer]:
    """The customers known by this email address or phone number (primary or identity)."""
    key = address.strip().lower()
    via_identity = select(ChannelIdentity.customer_id).where(
        ChannelIdentity.address.in_({key, address.strip()})
    )
    query = select(Customer).where(
        or_(Customer.id.in_(via_identity), Customer.email == key, Customer.phone == address.strip())
    )
    return list(session.scalars(query.order_by(Customer.id)))


def is_erased(customer: Customer) -> bool:
    return customer.name == TOMBSTONE.format(id=customer.id)


def erasure_of(session: Session, customer: Customer) -> Erasure:
    """What names the person, read before any eraser runs."""
    identities = session.scalars(
        select(ChannelIdentity).where(ChannelIdentity.customer_id == customer.id)
    ).all()
    emails = {i.address for i in identities if i.kind == IdentityKind.EMAIL}
    phones = {i.address for i in identities if i.kind == IdentityKind.PHONE}
    names = {i.display_name for i in identities if i.display_name}
    return Erasure(
        customer_id=customer.id,
        name=customer.name,
        emails=tuple(sorted(emails | ({customer.email} if customer.email else set()))),
        phones=tuple(sorted(phones | ({customer.phone} if customer.phone else set()))),
        addresses=tuple(sorted({i.address for i in identities} | names)),
    )


def export_customer(session: Session, customer_id: int) -> dict[str, Any]:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return {}
    organisation = (
        session.get(Organization, customer.organization_id) if customer.organization_id else None
    )
    return {
        **row_as_json(customer),
        "organization": row_as_json(organisation) if organisation else None,
    }


def _export_rows(model: Any) -> Any:
    def export(session: Session, customer_id: int) -> list[dict[str, Any]]:
        rows = session.scalars(
            select(model).where(model.customer_id == customer_id).order_by(model.id)
        )
        return [row_as_json(row) for row in rows]

    return export


def erase_consent(session: Session, erasure: Erasure) -> None:
    """Consent records go; each address stays suppressed, as a hash."""
    for address in (*erasure.emails, *erasure.phones):
        suppress(session, address, ALL_PURPOSES, reason="erased")
    session.execute(delete(ConsentRecord).where(ConsentRecord.customer_id == erasure.customer_id))


def erase_confirmations(session: Session, erasure: Erasure) -> None:
    session.execute(
        delete(EmailConfirmation).where(EmailConfirmation.customer_id == erasure.customer_id)
    )


def erase_customer(session: Session, erasure: Erasure) -> None:
    """Identities go; the row becomes a tombstone with every personal column blanked."""
    session.execute(
        delete(ChannelIdentity).where(ChannelIdentity.customer_id == erasure.customer_id)
    )
    customer = session.get(Customer, erasure.customer_id)
    if customer is None:
        return
    for attr in customer.__mapper__.column_attrs:
        column = attr.columns[0]
        if attr.key in _KEPT or isinstance(column.type, Enum):
            continue
        if isinstance(column.type, String | Text | JSON) or column.nullable:
            setattr(customer, attr.key, _blank(column))
    customer.name = TOMBSTONE.format(id=customer.id)
    customer.vip = False


def _blank(column: Any) -> Any:
    if column.nullable:
        return None
    if isinstance(column.type, JSON):
        return {} if isinstance(column.default and column.default.arg, dict) else []
    return ""


def crm_core_registry(registry: PrivacyRegistry | None = None) -> PrivacyRegistry:
    """A registry holding crm_core's exporters and erasers (the customer row's eraser last
    of them: the others read the identities it removes)."""
    registry = registry or PrivacyRegistry()
    registry.add_exporter("customer", export_customer, ["customers"])
    registry.add_exporter("identities", _export_rows(ChannelIdentity), ["channel_identities"])
    registry.add_exporter("consent", _export_rows(ConsentRecord), ["consent_records"])
    registry.add_exporter(
        "email_confirmations", _export_rows(EmailConfirmation), ["email_confirmations"]
    )
    registry.add_eraser("consent", erase_consent, ["consent_records", "consent_suppressions"])
    registry.add_eraser("email_confirmations", erase_confirmations, ["email_confirmations"])
    return registry


def add_customer_eraser(registry: PrivacyRegistry) -> None:
    """Blanks the customer row: registered after every other eraser, which may read it."""
    registry.add_eraser("customer", erase_customer, ["customers", "channel_identities"])
