"""The customer, organisation and channel identity tables."""

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
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # The rep who owns the person (no foreign key: agents live above crm_core).
    owner_id: Mapped[int | None] = mapped_column(index=True)
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
