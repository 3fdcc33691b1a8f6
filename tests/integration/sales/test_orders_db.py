"""Orders on SQLite and PostgreSQL: totals and taxes, transitions, the lifecycle, ERP import."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm_core.access import READ_ONLY, Viewer
from crm_core.customers import Customer, LifecycleStage
from crm_core.importing.erp_orders import import_orders
from crm_core.lifecycle import LifecycleRules
from crm_core.lifecycle.models import StageChange
from crm_core.lifecycle.on_orders import order_context
from crm_core.orders.models import Order, OrderStatus
from crm_core.orders.operations import (
    LineDraft,
    OrderDraft,
    OrderError,
    change_order_status,
    create_order,
    line_amounts,
    order_timeline,
    record_payment,
    record_shipment,
)
from crm_core.orders.reports import product_sales
from crm_core.sales.deal_orders import create_order_from_opportunity
from crm_core.sales.opportunities import DealDraft, DealLine, create_opportunity, win_opportunity
from tests.integration.sales.deal_fixtures import NOW, SYSTEM, catalogue, customer, sales_pipeline

CONTEXT = order_context(SYSTEM, NOW, LifecycleRules(loyal_min_orders=3))


def test_line_amounts_round_half_up_per_line() -> None:
    assert line_amounts(3, Decimal("0.10"), Decimal("7")) == (Decimal("0.30"), Decimal("0.02"))
    assert line_amounts(1, Decimal("0.50"), Decimal("5")) == (Decimal("0.50"), Decimal("0.03"))


def test_order_totals_transitions_payments_and_lifecycle(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        session = uow.session
        skus = catalogue(session)
        buyer = customer(session, "ana@shop.example")
        assert buyer.lifecycle_stage is LifecycleStage.PROSPECT
        lines = [LineDraft(skus["SEAT"], 3), LineDraft(skus["SETUP"], 5),
                 LineDraft(None, 1, Decimal("10.005"), Decimal("0"), "Rush fee")]  # fmt: skip
        order = create_order(session, CONTEXT, OrderDraft(buyer.id, lines))
        # 3 x 19.99 = 59.97, tax 19% = 11.3943 -> 11.39; 5 x 0.10 = 0.50, tax 7% = 0.035 -> 0.04
        assert (order.subtotal, order.tax_total, order.total) == (
            Decimal("70.48"), Decimal("11.43"), Decimal("81.91")
        )  # fmt: skip
        assert buyer.lifecycle_stage is LifecycleStage.NEW
        with pytest.raises(OrderError, match="pending order cannot become shipped"):
            change_order_status(session, CONTEXT, order.id, OrderStatus.SHIPPED)
        record_payment(session, SYSTEM, order.id, Decimal("81.91"), NOW, "card", "ch_1")
        change_order_status(session, CONTEXT, order.id, OrderStatus.PAID)
        record_shipment(session, SYSTEM, order.id, "DHL", "JD0001", NOW)
        change_order_status(session, CONTEXT, order.id, OrderStatus.SHIPPED)
        for _ in range(2):
            create_order(session, CONTEXT, OrderDraft(buyer.id, [LineDraft(skus["SEAT"], 1)]))
        assert buyer.lifecycle_stage is LifecycleStage.LOYAL  # three orders within a year
        change_order_status(session, CONTEXT, order.id, OrderStatus.RETURNED)
        assert buyer.lifecycle_stage is LifecycleStage.RETURNING  # the return no longer counts
        uow.commit()
    with uow_factory() as uow:
        stored = uow.session.get(Order, order.id)
        assert [c.status.value for c in stored.history] == [
            "pending",
            "paid",
            "shipped",
            "returned",
        ]
        assert stored.shipments[0].tracking_number == "JD0001"
        moves = uow.session.query(StageChange).filter_by(customer_id=buyer.id).count()
        assert moves == 4  # prospect -> new -> returning -> loyal -> returning
        titles = [e.title for e in order_timeline(uow.session, [buyer.id])]
        assert f"Order #{order.id} returned" in titles
        looker = order_context(Viewer(5, frozenset({READ_ONLY})), NOW, LifecycleRules())
        with pytest.raises(OrderError, match="read-only"):
            create_order(
                uow.session, looker, OrderDraft(buyer.id, [LineDraft(None, 1, Decimal(1))])
            )


def test_order_from_a_won_deal_takes_its_lines(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        session = uow.session
        sales_pipeline(session)
        skus = catalogue(session)
        buyer = customer(session, "bo@shop.example")
        draft = DealDraft("Seats", customer_id=buyer.id, lines=(DealLine(skus["SEAT"], 2),))
        deal = create_opportunity(session, SYSTEM, draft, NOW)
        with pytest.raises(OrderError, match="won"):
            create_order_from_opportunity(session, CONTEXT, deal.id)
        win_opportunity(session, SYSTEM, deal.id, NOW)
        order = create_order_from_opportunity(session, CONTEXT, deal.id)
        assert order.source == "deal" and order.opportunity_id == deal.id
        assert [(ln.sku, ln.quantity, ln.line_total) for ln in order.lines] == [
            ("SEAT", 2, Decimal("39.98"))
        ]
        assert order.total == Decimal("47.58")  # 39.98 + 19% (7.5962 -> 7.60)
        [sold] = product_sales(session)
        assert (sold.sku, sold.units, sold.revenue) == ("SEAT", 2, Decimal("39.98"))


ERP_ROWS = [
    ["order_id", "email", "sku", "quantity", "unit_price", "ordered_at", "status"],
    ["E-1", "ANA@shop.example", "SEAT", "2", "", "2026-02-01", "paid"],
    ["E-1", "ana@shop.example", "SETUP", "1", "99.5", "", ""],
    ["E-2", "nobody@shop.example", "SEAT", "1", "", "", ""],
    ["E-3", "ana@shop.example", "NOPE", "x", "", "", ""],
    ["E-4", "ana@shop.example", "SEAT", "1", "", "yesterday", ""],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_erp_import_is_idempotent_and_reports_rows(uow_factory, tmp_path: Path, writer) -> None:  # type: ignore[no-untyped-def]
    path = writer(tmp_path / f"erp.{'csv' if writer is write_csv else 'xlsx'}", ERP_ROWS)
    with uow_factory() as uow:
        catalogue(uow.session)
        ana_id = customer(uow.session, "ana@shop.example").id
        uow.commit()
    with uow_factory() as uow:
        dry = import_orders(uow.session, CONTEXT, path, dry_run=True)
        assert (dry.created, dry.rejected) == (1, 3)
    with uow_factory() as uow:
        report = import_orders(uow.session, CONTEXT, path)
        uow.commit()
    assert (report.rows, report.created, report.existing, report.rejected) == (5, 1, 0, 3)
    assert {(e.row, e.field) for e in report.errors} == {
        (4, "email"), (5, "sku"), (5, "quantity"), (6, "ordered_at")
    }  # fmt: skip
    with uow_factory() as uow:
        again = import_orders(uow.session, CONTEXT, path)
        uow.commit()
        assert (again.created, again.existing) == (0, 1)
        [order] = uow.session.query(Order).all()
        assert (order.external_id, order.status, order.source) == ("E-1", OrderStatus.PAID, "erp")
        assert order.subtotal == Decimal("139.48")  # 2 x 19.99 + 99.50
        assert order.ordered_at.date().isoformat() == "2026-02-01"
        assert uow.session.get(Customer, ana_id).lifecycle_stage is LifecycleStage.NEW
