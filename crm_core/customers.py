"""Customers, their organisations and the channel identities they reach us through."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    String,
    UniqueConstraint,
    bindparam,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from crm_core.db import Base, utcnow


class LifecycleStage(enum.StrEnum):
    """Where a customer stands with us (design document, section 2.1)."""

    PROSPECT = "prospect"
    NEW = "new"
    RETURNING = "returning"
    LOYAL = "loyal"
    CHURNED = "churned"


class IdentityKind(enum.StrEnum):
    """The kinds of address a customer can reach us from."""

    EMAIL = "email"
    SLACK = "slack"
    WEBCHAT = "webchat"
    PORTAL = "portal"
    PHONE = "phone"


class Organization(Base):
    """A company that customers belong to."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # fold(name): case- and accent-insensitive lookups (set by crm_core.organisations).
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="")
    domain: Mapped[str | None] = mapped_column(String(200), index=True)
    tier: Mapped[str] = mapped_column(String(40), default="standard")
    address: Mapped[str | None] = mapped_column(String(500))
    # The rep who owns the account. No foreign key: agents live above crm_core.
    owner_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    customers: Mapped[list[Customer]] = relationship(back_populates="organization")


class Customer(Base):
    """A person we serve or sell to."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    lifecycle_stage: Mapped[LifecycleStage] = mapped_column(
        Enum(LifecycleStage, native_enum=False, length=20), default=LifecycleStage.PROSPECT
    )
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(500))
    customer_since: Mapped[date | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=func.now()
    )

    organization: Mapped[Organization | None] = relationship(back_populates="customers")
    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="customer", order_by="ChannelIdentity.id"
    )

    @property
    def emails(self) -> list[str]:
        """Every email address we know for this customer, primary first."""
        known = [i.address for i in self.identities if i.kind == IdentityKind.EMAIL]
        if self.email and self.email in known:
            known.remove(self.email)
            known.insert(0, self.email)
        return known

    @property
    def display_name(self) -> str:
        return self.name or self.email or f"Customer {self.id}"


class ChannelIdentity(Base):
    """One address of a customer on one channel; unique per kind and address."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("kind", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[IdentityKind] = mapped_column(Enum(IdentityKind, native_enum=False, length=20))
    address: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(200))
    bouncing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities")


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
