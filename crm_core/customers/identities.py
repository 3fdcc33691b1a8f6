"""Finding, creating and linking the channel identities a customer reaches us through."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from crm_core.customers.models import ChannelIdentity, Customer, IdentityKind
from crm_core.customers.standard import phone_digest, standard_email_or_raw, standard_phone

# Built once: every inbound message looks its sender up, and building a statement costs
# more than running it. Every caller wants the customer too.
_IDENTITY_BY_ADDRESS = (
    select(ChannelIdentity)
    .where(
        ChannelIdentity.kind == bindparam("kind"), ChannelIdentity.address == bindparam("address")
    )
    .options(joinedload(ChannelIdentity.customer))
)


def normalise_address(kind: str, address: str) -> str:
    """Email addresses compare case-insensitively; other providers' ids are kept as given.

    Phones need the session's keys: use `identity_key`.
    """
    address = address.strip()
    return standard_email_or_raw(address) if kind == IdentityKind.EMAIL else address


def identity_key(session: Session, kind: str, address: str) -> str:
    """What `ChannelIdentity.address` holds for (kind, address): for a phone, the keyed
    digest of its E.164 form (the number itself is stored encrypted)."""
    if kind == IdentityKind.PHONE:
        return phone_digest(session, address)
    return normalise_address(kind, address)


def find_identity(session: Session, kind: str, address: str) -> ChannelIdentity | None:
    """The identity for (kind, address), if we know it."""
    params = {"kind": IdentityKind(kind), "address": identity_key(session, kind, address)}
    return session.scalars(_IDENTITY_BY_ADDRESS, params).one_or_none()


def new_identity(
    session: Session,
    customer: Customer,
    kind: str,
    address: str,
    display_name: str | None = None,
) -> ChannelIdentity:
    """An identity row for (kind, address), standardised; added, not flushed."""
    identity = ChannelIdentity(
        customer=customer,
        kind=IdentityKind(kind),
        address=identity_key(session, kind, address),
        display_name=display_name,
    )
    if kind == IdentityKind.PHONE:
        identity.secret = standard_phone(session, address)
    session.add(identity)
    return identity


# Set in `session.info` by a caller that, if any write fails, rolls its whole transaction
# back and redoes it with savepoints (email intake's batches): a new identity then needs
# no savepoint and flush of its own; its rows go out with the caller's next flush.
WHOLE_TRANSACTION_RETRIED = "identities.whole_transaction_retried"


def resolve_identity(
    session: Session, kind: str, address: str, display_name: str | None = None
) -> Customer:
    """Find the customer behind an address, or create one (a new customer is a prospect).

    A savepoint guards the insert: when a concurrent intake created the same identity
    first, the unique constraint fires and we read theirs instead of failing.
    """
    existing = find_identity(session, kind, address)
    if existing is not None:
        if display_name and not existing.customer.name:
            existing.customer.name = display_name.strip()
        return existing.customer
    if session.info.get(WHOLE_TRANSACTION_RETRIED):
        return _new_customer(session, kind, address, display_name)
    try:
        with session.begin_nested():
            customer = _new_customer(session, kind, address, display_name)
            session.flush()
    except IntegrityError:
        identity = find_identity(session, kind, address)
        if identity is None:
            raise
        return identity.customer
    return customer


def _new_customer(session: Session, kind: str, address: str, display_name: str | None) -> Customer:
    customer = Customer(name=(display_name or "").strip())
    if kind == IdentityKind.EMAIL:
        customer.email = normalise_address(kind, address)
    elif kind == IdentityKind.PHONE:
        customer.phone = standard_phone(session, address)
    session.add(customer)
    new_identity(session, customer, kind, address, display_name)
    return customer


def link_identity(
    session: Session, customer: Customer, kind: str, address: str, display_name: str | None = None
) -> ChannelIdentity:
    """Attach another address to a known customer (a chat visitor who gives their email)."""
    identity = find_identity(session, kind, address)
    if identity is None:
        identity = new_identity(session, customer, kind, address, display_name)
        session.flush()
    return identity
