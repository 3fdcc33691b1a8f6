"""Changing a customer or organisation record: contact fields, owner, tier, addresses, tags.

Every value is standardised and validated here (crm_core.normalise); an invalid one
raises `InvalidValue` naming the field, so a form shows the error beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from crm_core.customers.identities import find_identity, new_identity
from crm_core.customers.models import Customer, IdentityKind, Organization
from crm_core.customers.records import (
    Address,
    AddressKind,
    Tag,
    customer_tags,
    organization_tags,
)
from crm_core.customers.standard import standard_phone
from crm_core.normalise import InvalidValue, clean_address, clean_text, fold, normalise_email

Record = Customer | Organization
TIERS = ("standard", "premium", "enterprise")
DEFAULT_TIER = TIERS[0]


def update_contact(
    session: Session,
    customer: Customer,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Customer:
    """Set the name, primary email and phone (each standardised); an email or phone new
    to the customer becomes one of their identities too. None leaves a field as it is."""
    if name is not None:
        customer.name = clean_text(name)
    if email is not None:
        customer.email = normalise_email(email) if clean_text(email) else None
        if customer.email:
            _claim(session, customer, IdentityKind.EMAIL, customer.email)
    if phone is not None:
        customer.phone = standard_phone(session, phone) if clean_text(phone) else None
        if customer.phone:
            _claim(session, customer, IdentityKind.PHONE, customer.phone)
    session.flush()
    return customer


def _claim(session: Session, customer: Customer, kind: IdentityKind, address: str) -> None:
    identity = find_identity(session, kind, address)
    if identity is None:
        new_identity(session, customer, kind, address)
    elif identity.customer_id != customer.id:
        raise InvalidValue(
            kind.value, address, f"already belongs to customer {identity.customer_id}"
        )


def set_owner(record: Record, owner_id: int | None) -> None:
    """The rep who owns the customer or organisation (an agent id; None for nobody)."""
    if owner_id is not None and owner_id <= 0:
        raise InvalidValue("owner", owner_id, "not an agent")
    record.owner_id = owner_id


def normalise_tier(tier: str) -> str:
    """One of `TIERS`, whatever its case, or `InvalidValue`."""
    text = clean_text(tier).lower()
    if text not in TIERS:
        raise InvalidValue("tier", tier, f"unknown choice (one of {', '.join(TIERS)})")
    return text


def set_tier(record: Record, tier: str) -> None:
    record.tier = normalise_tier(tier)


@dataclass(frozen=True)
class AddressInput:
    """A postal address as typed or imported, before standardisation."""

    kind: str = "other"
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""


def add_address(session: Session, record: Record, given: AddressInput) -> Address:
    """A structured address for a customer or organisation, every part trimmed; the
    country is an ISO 3166 two-letter code."""
    try:
        kind = AddressKind(clean_text(given.kind).lower() or "other")
    except ValueError:
        choices = ", ".join(k.value for k in AddressKind)
        raise InvalidValue("kind", given.kind, f"unknown choice (one of {choices})") from None
    country = clean_text(given.country).upper()
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise InvalidValue("country", given.country, "expected a two-letter country code")
    line1 = clean_address(given.line1)
    if not line1:
        raise InvalidValue("line1", given.line1, "missing required field")
    address = Address(
        kind=kind,
        line1=line1,
        line2=clean_address(given.line2) or None,
        city=clean_text(given.city)[:120],
        region=clean_text(given.region)[:120],
        postcode=clean_text(given.postcode).upper()[:20],
        country=country,
    )
    if isinstance(record, Customer):
        address.customer_id = record.id
    else:
        address.organization_id = record.id
    session.add(address)
    session.flush()
    return address


def addresses_of(session: Session, record: Record) -> list[Address]:
    column = Address.customer_id if isinstance(record, Customer) else Address.organization_id
    return list(session.scalars(select(Address).where(column == record.id).order_by(Address.id)))


def tag(session: Session, name: str) -> Tag:
    """The tag called `name` (case and accents ignored), created if new."""
    label = clean_text(name)[:60]
    if not label:
        raise InvalidValue("tag", name, "missing required field")
    key = fold(label)
    found = session.scalars(select(Tag).where(Tag.name_key == key)).one_or_none()
    if found is None:
        found = Tag(name=label, name_key=key)
        session.add(found)
        session.flush()
    return found


def _link_table(record: Record) -> tuple[Table, str]:
    if isinstance(record, Customer):
        return customer_tags, "customer_id"
    return organization_tags, "organization_id"


def add_tag(session: Session, record: Record, name: str) -> Tag:
    """Tag a customer or organisation; tagging twice is a no-op."""
    found = tag(session, name)
    if found.name_key not in {t.name_key for t in tags_of(session, record)}:
        table, column = _link_table(record)
        session.execute(insert(table).values({column: record.id, "tag_id": found.id}))
    return found


def remove_tag(session: Session, record: Record, name: str) -> bool:
    """Take a tag off; False when the record did not carry it."""
    key = fold(name)
    found = session.scalars(select(Tag).where(Tag.name_key == key)).one_or_none()
    if found is None:
        return False
    table, column = _link_table(record)
    columns = table.c
    result = session.execute(
        delete(table).where(columns[column] == record.id, columns.tag_id == found.id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def tags_of(session: Session, record: Record) -> list[Tag]:
    table, column = _link_table(record)
    columns = table.c
    query = (
        select(Tag)
        .join(table, columns.tag_id == Tag.id)
        .where(columns[column] == record.id)
        .order_by(Tag.name_key)
    )
    return list(session.scalars(query))
