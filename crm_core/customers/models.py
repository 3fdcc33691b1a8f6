"""The customer, organisation and channel identity tables."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.crypto.fields import register_encrypted
from crm_core.db import Base, utcnow
from crm_core.normalise import fold


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


@register_encrypted
class Organization(Base):
    """A company that customers belong to; its address is encrypted (crm_core.crypto)."""

    __tablename__ = "organizations"
    __encrypted__: ClassVar[dict[str, str | None]] = {"address": None}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # fold(name): case- and accent-insensitive lookups (set by crm_core.organisations).
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="")
    domain: Mapped[str | None] = mapped_column(String(200), index=True)
    tier: Mapped[str] = mapped_column(String(40), default="standard")
    address: Mapped[str | None] = mapped_column(Text)
    # The rep who owns the account. No foreign key: agents live above crm_core.
    owner_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    customers: Mapped[list[Customer]] = relationship(back_populates="organization")


@register_encrypted
class Customer(Base):
    """A person we serve or sell to.

    `phone` and `address` are encrypted in the database (crm_core.crypto) and plaintext
    here; `phone_hash` is the keyed digest of the E.164 phone that lookups compare.
    """

    __tablename__ = "customers"
    __encrypted__: ClassVar[dict[str, str | None]] = {"phone": "phone_hash", "address": None}
    # The customer list pages newest first within a filter: (filter column, id) indexes
    # serve `WHERE column = ? AND id < ? ORDER BY id DESC LIMIT n` without a sort.
    __table_args__ = (
        Index("ix_customers_stage_id", "lifecycle_stage", "id"),
        Index("ix_customers_owner_id_id", "owner_id", "id"),
        Index("ix_customers_tier_id", "tier", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # fold(name), kept by an event below: searches ignore case and accents on every database.
    name_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    lifecycle_stage: Mapped[LifecycleStage] = mapped_column(
        Enum(LifecycleStage, native_enum=False, length=20), default=LifecycleStage.PROSPECT
    )
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    tier: Mapped[str] = mapped_column(String(40), default="standard")
    address: Mapped[str | None] = mapped_column(Text)
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


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _keep_name_key(_mapper: object, _connection: object, customer: Customer) -> None:
    customer.name_key = fold(customer.name)[:200]


@register_encrypted
class ChannelIdentity(Base):
    """One address of a customer on one channel; unique per kind and address.

    Phone identities are sensitive: their `address` is the keyed digest of the E.164
    number (so the unique constraint and lookups still work) and `secret` holds the
    number itself, encrypted. `shown_address` is what to show either way.
    """

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("kind", "address"),)
    __encrypted__: ClassVar[dict[str, str | None]] = {"secret": None}

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[IdentityKind] = mapped_column(Enum(IdentityKind, native_enum=False, length=20))
    address: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str | None] = mapped_column(Text)
    bouncing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities")

    @property
    def shown_address(self) -> str:
        return self.secret or self.address
