"""Orders from an ERP export (CSV or XLSX), one row per order line.

Columns (any order, case-insensitive): order_id, email, sku, quantity, and optionally
unit_price, tax_rate, currency, ordered_at (ISO date), status. Rows sharing an order_id are
one order. Idempotent by order_id: an order already imported is left alone. Customers are
matched by email, products by SKU. A row in error is reported with its row number (the
spreadsheet's: the header is row 1) and its whole order is skipped; the rest is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.customers.identities import find_identity
from crm_core.customers.models import Customer
from crm_core.importing.readers import Cell, UnreadableFile, open_table
from crm_core.orders.catalogue import find_product
from crm_core.orders.models import Order, OrderStatus
from crm_core.orders.operations import (
    LineDraft,
    OrderContext,
    OrderDraft,
    OrderError,
    create_order,
)

REQUIRED = ("order_id", "email", "sku", "quantity")
OPTIONAL = ("unit_price", "tax_rate", "currency", "ordered_at", "status")
ALIASES = {"external_id": "order_id", "customer_email": "email", "qty": "quantity"}


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass
class ErpReport:
    rows: int = 0
    created: int = 0
    existing: int = 0
    rejected: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "rows": self.rows, "created": self.created, "existing": self.existing,
            "rejected": self.rejected, "dry_run": self.dry_run,
            "errors": [error.as_json() for error in self.errors],
        }  # fmt: skip


@dataclass
class _Order:
    external_id: str
    first_row: int
    cells: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)


def import_orders(
    session: Session, context: OrderContext, path: Path, *, dry_run: bool = False
) -> ErpReport:
    """Import the file's new orders into `session` (the caller commits unless dry run)."""
    report = ErpReport(dry_run=dry_run)
    for order in _read(path, report):
        if _exists(session, order.external_id):
            report.existing += 1
            continue
        draft = _draft(session, order, report)
        if draft is None:
            report.rejected += 1
            continue
        try:
            with session.begin_nested():
                create_order(session, context, draft)
        except OrderError as error:
            name, _, reason = str(error).partition(": ")
            report.errors.append(RowError(order.first_row, name, reason or str(error)))
            report.rejected += 1
            continue
        report.created += 1
    return report


def _read(path: Path, report: ErpReport) -> list[_Order]:
    orders: dict[str, _Order] = {}
    with open_table(path) as table:
        names = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in table.headers]
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            raise UnreadableFile(f"{path.name}: missing columns: {', '.join(missing)}")
        for number, cells in table.rows:
            if all(cell in (None, "") for cell in cells):
                continue
            report.rows += 1
            row = dict(zip(names, cells, strict=False))
            external_id = _text(row.get("order_id"))
            if not external_id:
                report.errors.append(RowError(number, "order_id", "empty"))
                continue
            orders.setdefault(external_id, _Order(external_id, number)).cells.append((number, row))
    return list(orders.values())


def _exists(session: Session, external_id: str) -> bool:
    query = select(Order.id).where(Order.external_id == external_id)
    return session.scalars(query).first() is not None


def _draft(session: Session, order: _Order, report: ErpReport) -> OrderDraft | None:
    errors: list[RowError] = []
    lines = []
    customer_id = None
    first = order.cells[0][1]
    for number, row in order.cells:
        customer_id = customer_id or _customer(session, row, number, errors)
        line = _line(session, row, number, errors)
        if line is not None:
            lines.append(line)
    ordered_at = _when(first.get("ordered_at"), order.first_row, errors)
    status = _status(first.get("status"), order.first_row, errors)
    report.errors.extend(errors)
    if errors or customer_id is None:
        return None
    currency = (_text(first.get("currency")) or "EUR").upper()
    return OrderDraft(
        customer_id=customer_id, lines=lines, currency=currency, source="erp",
        external_id=order.external_id, ordered_at=ordered_at, status=status,
    )  # fmt: skip


def _customer(
    session: Session, row: dict[str, Cell], number: int, errors: list[RowError]
) -> int | None:
    email = _text(row.get("email")).lower()
    if "@" not in email:
        errors.append(RowError(number, "email", f"not an email address: {email!r}"))
        return None
    found = session.scalars(select(Customer.id).where(func.lower(Customer.email) == email)).first()
    if found is None:
        identity = find_identity(session, "email", email)
        found = identity.customer_id if identity is not None else None
    if found is None:
        errors.append(RowError(number, "email", f"no customer with email {email}"))
    return found


def _line(
    session: Session, row: dict[str, Cell], number: int, errors: list[RowError]
) -> LineDraft | None:
    sku = _text(row.get("sku"))
    product = find_product(session, sku) if sku else None
    if product is None:
        errors.append(RowError(number, "sku", f"no product with SKU {sku!r}"))
    quantity = _decimal(row.get("quantity"), number, "quantity", errors)
    if quantity is not None and (quantity != quantity.to_integral_value() or quantity < 1):
        errors.append(RowError(number, "quantity", "a whole number of at least 1"))
        quantity = None
    price = _decimal(row.get("unit_price"), number, "unit_price", errors)
    rate = _decimal(row.get("tax_rate"), number, "tax_rate", errors)
    if product is None or quantity is None:
        return None
    return LineDraft(product_id=product.id, quantity=int(quantity), unit_price=price, tax_rate=rate)


def _text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # XLSX numbers come as floats: order 1001.0 is "1001"
    return "" if cell is None else str(cell).strip()


def _decimal(cell: Cell, number: int, name: str, errors: list[RowError]) -> Decimal | None:
    text = _text(cell)
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        errors.append(RowError(number, name, f"not a number: {text!r}"))
        return None


def _when(cell: Cell, number: int, errors: list[RowError]) -> datetime | None:
    if isinstance(cell, datetime):
        return cell if cell.tzinfo else cell.replace(tzinfo=UTC)
    if isinstance(cell, date):
        return datetime(cell.year, cell.month, cell.day, tzinfo=UTC)
    text = _text(cell)
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        errors.append(RowError(number, "ordered_at", f"not an ISO date: {text!r}"))
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _status(cell: Cell, number: int, errors: list[RowError]) -> OrderStatus:
    text = _text(cell).lower()
    if not text:
        return OrderStatus.PENDING
    try:
        return OrderStatus(text)
    except ValueError:
        errors.append(
            RowError(number, "status", f"one of {', '.join(s.value for s in OrderStatus)}")
        )
        return OrderStatus.PENDING
