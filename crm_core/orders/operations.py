"""Orders: create them, move them through their statuses, record payments and shipments.

Every order created or changed recomputes the customer's lifecycle stage through the
context's `restage` (`crm_core.lifecycle.on_orders.order_context` wires in
`recompute_stage`). Orders from a won deal: `crm_core.sales.deal_orders`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.customers.models import Customer
from crm_core.money import to_money
from crm_core.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Product,
    Shipment,
)
from crm_core.timeline import TimelineEntry

# Which status may follow which; cancelled and returned are final.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.RETURNED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.RETURNED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.RETURNED: frozenset(),
}


class OrderError(ValueError):
    """An order operation cannot be done; the message names the field or the reason."""


@dataclass(frozen=True)
class LineDraft:
    """A catalogue product (price and tax from it unless given) or a free-text item."""

    product_id: int | None = None
    quantity: int = 1
    unit_price: Decimal | None = None
    tax_rate: Decimal | None = None  # percent
    description: str = ""


@dataclass(frozen=True)
class OrderDraft:
    customer_id: int
    lines: Sequence[LineDraft]
    currency: str = "EUR"
    external_id: str | None = None
    source: str = "manual"
    ordered_at: datetime | None = None
    opportunity_id: int | None = None
    status: OrderStatus = OrderStatus.PENDING


# Called with the session and the customer's id after every order created or changed: the
# lifecycle's recompute (`crm_core.lifecycle.on_orders.order_context` builds the context),
# passed in because the lifecycle package reads orders and so sits above this one.
Restage = Callable[[Session, int], object]


@dataclass(frozen=True)
class OrderContext:
    """Who acts, when, and what recomputes the customer's stage after each order change."""

    viewer: Viewer
    now: datetime
    restage: Restage


def _check_write(viewer: Viewer) -> None:
    if not viewer.may_write:
        raise OrderError("read-only users cannot change orders")


def line_amounts(quantity: int, unit_price: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal]:
    """A line's total before tax and its tax, each rounded half up to cents (pure)."""
    line_total = to_money(Decimal(quantity) * unit_price)
    return line_total, to_money(line_total * tax_rate / Decimal(100))


def create_order(session: Session, context: OrderContext, draft: OrderDraft) -> Order:
    """A new order with its lines and totals, recorded in its history; the stage follows."""
    _check_write(context.viewer)
    if session.get(Customer, draft.customer_id) is None:
        raise OrderError("customer: no such customer")
    if not draft.lines:
        raise OrderError("lines: an order needs at least one line")
    order = Order(
        customer_id=draft.customer_id, currency=draft.currency.upper(), source=draft.source,
        external_id=draft.external_id, opportunity_id=draft.opportunity_id,
        ordered_at=draft.ordered_at or context.now, status=draft.status,
    )  # fmt: skip
    order.lines = [_line(session, line) for line in draft.lines]
    _total(order)
    order.history = [
        OrderStatusChange(status=draft.status, actor_id=context.viewer.user_id, at=context.now)
    ]
    session.add(order)
    session.flush()
    _recompute(session, context, order.customer_id)
    return order


def change_order_status(
    session: Session, context: OrderContext, order_id: int, status: OrderStatus
) -> Order:
    """Move the order to an allowed next status, record it, and recompute the stage."""
    _check_write(context.viewer)
    order = _order(session, order_id)
    if status not in TRANSITIONS[order.status]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[order.status])) or "none"
        raise OrderError(
            f"status: a {order.status.value} order cannot become {status.value} "
            f"(allowed: {allowed})"
        )
    order.status = status
    order.history.append(
        OrderStatusChange(status=status, actor_id=context.viewer.user_id, at=context.now)
    )
    session.flush()
    _recompute(session, context, order.customer_id)
    return order


def record_payment(
    session: Session,
    viewer: Viewer,
    order_id: int,
    amount: Decimal,
    now: datetime,
    method: str = "",
    reference: str = "",
) -> Payment:
    _check_write(viewer)
    order = _order(session, order_id)
    if amount <= 0:
        raise OrderError("amount: a payment is more than zero")
    payment = Payment(amount=to_money(amount), method=method.strip(), reference=reference.strip())
    payment.paid_at = now
    order.payments.append(payment)
    session.flush()
    return payment


def record_shipment(
    session: Session, viewer: Viewer, order_id: int, carrier: str, tracking: str, now: datetime
) -> Shipment:
    _check_write(viewer)
    order = _order(session, order_id)
    if not tracking.strip():
        raise OrderError("tracking_number: the carrier's tracking number")
    shipment = Shipment(carrier=carrier.strip(), tracking_number=tracking.strip(), shipped_at=now)
    order.shipments.append(shipment)
    session.flush()
    return shipment


def paid_amount(order: Order) -> Decimal:
    return sum((payment.amount for payment in order.payments), Decimal("0.00"))


def order_timeline(session: Session, customer_ids: Sequence[int]) -> Iterable[TimelineEntry]:
    """The 360 timeline's orders: placed, and each later status."""
    orders = session.scalars(select(Order).where(Order.customer_id.in_(customer_ids)))
    for order in orders:
        yield TimelineEntry(
            at=order.ordered_at, kind="order", title=f"Order #{order.id} placed",
            detail=f"{order.total} {order.currency}, {len(order.lines)} lines",
            ref=("order", order.id),
        )  # fmt: skip
        for change in order.history[1:]:
            yield TimelineEntry(
                at=change.at, kind="order", title=f"Order #{order.id} {change.status.value}",
                ref=("order", order.id),
            )  # fmt: skip


def _order(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise OrderError("order: no such order")
    return order


def _line(session: Session, draft: LineDraft) -> OrderLine:
    if draft.quantity < 1:
        raise OrderError("quantity: at least 1")
    product = session.get(Product, draft.product_id) if draft.product_id is not None else None
    if draft.product_id is not None and product is None:
        raise OrderError(f"product: no product #{draft.product_id}")
    price = draft.unit_price if draft.unit_price is not None else None
    if price is None and product is not None:
        price = product.price
    if price is None or price < 0:
        raise OrderError("unit_price: a price of zero or more")
    rate = draft.tax_rate if draft.tax_rate is not None else (product.tax_rate if product else 0)
    unit = to_money(Decimal(price))
    total, _tax = line_amounts(draft.quantity, unit, Decimal(rate))
    return OrderLine(
        product_id=product.id if product else None, sku=product.sku if product else "",
        description=draft.description or (product.name if product else ""),
        quantity=draft.quantity, unit_price=unit, tax_rate=Decimal(rate),
        line_total=total,
    )  # fmt: skip


def _total(order: Order) -> None:
    amounts = [line_amounts(ln.quantity, ln.unit_price, ln.tax_rate) for ln in order.lines]
    order.subtotal = sum((total for total, _ in amounts), Decimal("0.00"))
    order.tax_total = sum((tax for _, tax in amounts), Decimal("0.00"))
    order.total = order.subtotal + order.tax_total


def _recompute(session: Session, context: OrderContext, customer_id: int) -> None:
    context.restage(session, customer_id)
