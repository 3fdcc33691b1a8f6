"""Service contracts: term, holder, entitlements, SLA tier, renewal; and what requests used.

Requests live in the desk, above crm_core: usage rows hold a request's id without a
foreign key (as `owner_id` holds an agent's).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.db import Base, string_enum, utcnow
from crm_core.orders.models import Product


class ContractStatus(enum.StrEnum):
    """What is stored. `expired` is never stored by hand: an active contract whose end date
    has passed reads as expired (`crm_core.contracts.terms.status_on`)."""

    DRAFT = "draft"
    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Standing(enum.StrEnum):
    """How a request stands against the contract that covers it."""

    COVERED = "covered"  # counted against the entitlement, served at the contract's tier
    EXHAUSTED = "exhausted"  # nothing left: opened anyway, flagged, default SLA


contract_products = Table(
    "service_contract_products",
    Base.metadata,
    Column(
        "contract_id",
        ForeignKey("service_contracts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
)


class Contract(Base):
    """A service contract held by one customer or one organisation (never both)."""

    __tablename__ = "service_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The organisation's contact person for the contract (erasure detaches them).
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[ContractStatus] = mapped_column(
        string_enum(ContractStatus), default=ContractStatus.DRAFT, index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    sla_tier: Mapped[str] = mapped_column(String(40), default="")
    # Entitlements; None means that measure is not limited.
    incidents_included: Mapped[int | None] = mapped_column(Integer)
    minutes_included: Mapped[int | None] = mapped_column(Integer)
    # Channel names the contract covers; empty covers every channel.
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    renewal_on: Mapped[date | None] = mapped_column(Date)
    remind_days: Mapped[list[int]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)  # an agent; no FK
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=func.now()
    )

    products: Mapped[list[Product]] = relationship(secondary=contract_products)


class IncidentUse(Base):
    """A request covered by a contract: one row per (contract, request), however often the
    intake or the router runs for it."""

    __tablename__ = "service_contract_incidents"
    __table_args__ = (UniqueConstraint("contract_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("service_contracts.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int] = mapped_column(Integer, index=True)  # a desk request; no FK
    channel: Mapped[str] = mapped_column(String(20), default="")
    standing: Mapped[Standing] = mapped_column(string_enum(Standing), default=Standing.COVERED)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TimeEntry(Base):
    """Minutes an agent spent on a covered request, counted against the support hours."""

    __tablename__ = "service_contract_time"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("service_contracts.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int] = mapped_column(Integer, index=True)  # a desk request; no FK
    agent_id: Mapped[int | None] = mapped_column(Integer)  # no FK: agents live above
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RenewalReminder(Base):
    """A renewal reminder sent: one per (contract, renewal date, days before), so the daily
    job reminds once however often it runs."""

    __tablename__ = "service_contract_reminders"
    __table_args__ = (UniqueConstraint("contract_id", "renewal_on", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("service_contracts.id", ondelete="CASCADE"), index=True
    )
    renewal_on: Mapped[date] = mapped_column(Date)
    days_before: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
