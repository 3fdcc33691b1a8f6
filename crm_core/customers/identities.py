"""Finding, creating and linking the channel identities a customer reaches us through."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from crm_core.customers.models import ChannelIdentity, Customer, IdentityKind

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
    """Email addresses compare case-insensitively; other providers' ids are kept as given."""
    address = address.strip()
    return address.lower() if kind == IdentityKind.EMAIL else address


def find_identity(session: Session, kind: str, address: str) -> ChannelIdentity | None:
    """The identity for (kind, address), if we know it."""
    params = {"kind": IdentityKind(kind), "address": normalise_address(kind, address)}
    return session.scalars(_IDENTITY_BY_ADDRESS, params).one_or_none()


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
            existing.customer.name = display_name
        return existing.customer
    key = normalise_address(kind, address)
    try:
        with session.begin_nested():
            customer = Customer(
                name=display_name or "",
                email=key if kind == IdentityKind.EMAIL else None,
                phone=key if kind == IdentityKind.PHONE else None,
            )
            session.add(customer)
            session.add(
                ChannelIdentity(
                    customer=customer,
                    kind=IdentityKind(kind),
                    address=key,
                    display_name=display_name,
                )
            )
            session.flush()
    except IntegrityError:
        identity = find_identity(session, kind, address)
        if identity is None:
            raise
        return identity.customer
    return customer


def link_identity(
    session: Session, customer: Customer, kind: str, address: str, display_name: str | None = None
) -> ChannelIdentity:
    """Attach another address to a known customer (a chat visitor who gives their email)."""
    identity = find_identity(session, kind, address)
    if identity is None:
        identity = ChannelIdentity(
            customer=customer,
            kind=IdentityKind(kind),
            address=normalise_address(kind, address),
            display_name=display_name,
        )
        session.add(identity)
        session.flush()
    return identity
