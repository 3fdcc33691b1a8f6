"""Products and orders: lines, taxes and totals, payments, shipments and status history."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.db import Base, string_enum, utcnow
from crm_core.money import Money


class Product(Base):
    """An item of the catalogue."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    tax_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # percent
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


# Orders that never became revenue: the lifecycle and the reports leave them out.
NOT_REVENUE = frozenset({OrderStatus.CANCELLED, OrderStatus.RETURNED})


class Order(Base):
    """What a customer bought, from a won opportunity, the console or an ERP import."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The ERP's order id: its imports are idempotent by it.
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("sales_opportunities.id"))
    status: Mapped[OrderStatus] = mapped_column(
        string_enum(OrderStatus), default=OrderStatus.PENDING, index=True
    )
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual, deal, erp
    ordered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=func.now()
    )

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    payments: Mapped[list[Payment]] = relationship(cascade="all, delete-orphan")
    shipments: Mapped[list[Shipment]] = relationship(cascade="all, delete-orphan")
    history: Mapped[list[OrderStatusChange]] = relationship(
        cascade="all, delete-orphan", order_by="OrderStatusChange.at"
    )


class OrderLine(Base):
    """A product, or a free-text item, times a quantity, with its tax."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(String(300), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # percent
    line_total: Mapped[Decimal] = mapped_column(Money)  # quantity x unit price, before tax

    order: Mapped[Order] = relationship(back_populates="lines")


class Payment(Base):
    """Money received for an order."""

    __tablename__ = "order_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(40), default="")
    reference: Mapped[str] = mapped_column(String(120), default="")
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Shipment(Base):
    """A parcel sent for an order, with the carrier's tracking number."""

    __tablename__ = "order_shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(60), default="")
    tracking_number: Mapped[str] = mapped_column(String(120), default="")
    shipped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrderStatusChange(Base):
    """The order's history: each status it took, when, and who set it."""

    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[OrderStatus] = mapped_column(string_enum(OrderStatus))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
