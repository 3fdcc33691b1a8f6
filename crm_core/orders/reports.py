"""Product sales: revenue (before tax) and units by product and month, orders that count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.orders.models import NOT_REVENUE, Order, OrderLine

PRODUCT_HEADERS = ["month", "sku", "product", "units", "revenue"]


@dataclass
class ProductSales:
    month: str
    sku: str
    name: str
    units: int = 0
    revenue: Decimal = Decimal("0.00")

    def as_row(self) -> list[object]:
        return [self.month, self.sku, self.name, self.units, self.revenue]


def product_sales(
    session: Session, start: datetime | None = None, end: datetime | None = None
) -> list[ProductSales]:
    """One row per product and month (YYYY-MM of the order date), oldest month first."""
    query = (
        select(
            Order.ordered_at,
            OrderLine.sku,
            OrderLine.description,
            OrderLine.quantity,
            OrderLine.line_total,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.not_in(NOT_REVENUE))
    )
    if start is not None:
        query = query.where(Order.ordered_at >= start)
    if end is not None:
        query = query.where(Order.ordered_at < end)
    rows: dict[tuple[str, str], ProductSales] = {}
    for at, sku, name, quantity, total in session.execute(query):
        month = at.strftime("%Y-%m")
        key = (month, sku or name)
        row = rows.setdefault(key, ProductSales(month, sku, name))
        row.units += quantity
        row.revenue += Decimal(total)
    return sorted(rows.values(), key=lambda row: (row.month, -row.revenue, row.sku))
