"""Sales demo data for `servicedesk demo`: a pipeline with deals in every stage, products,
and orders for several customers so their lifecycle stages differ.

Idempotent: pipelines, products and customers are looked up first, deals by name and
orders by their fixed external ids. Deals belong to rep@demo.local when that account
exists (the leads demo adds it), else to the demo admin.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.customers import Customer
from crm_core.db import UnitOfWork, utcnow
from crm_core.lifecycle import LifecycleRules
from crm_core.lifecycle.on_orders import order_context
from crm_core.orders.catalogue import ProductDraft, create_product, find_product
from crm_core.orders.models import Order, OrderStatus
from crm_core.orders.operations import LineDraft, OrderDraft, create_order
from crm_core.sales.models import ForecastCategory, Opportunity, Pipeline, StageOutcome
from crm_core.sales.opportunities import DealDraft, DealLine, create_opportunity, move_opportunity
from crm_core.sales.pipeline_admin import StageSpec, create_pipeline
from servicedesk.desk.sales_facts import agent_by_email

PIPELINE = "Sales"
STAGES = [
    StageSpec("prospecting", 0.1),
    StageSpec("demo", 0.25),
    StageSpec("proposal", 0.5),
    StageSpec("negotiation", 0.75),
    StageSpec("won", 1.0, StageOutcome.WON),
    StageSpec("lost", 0.0, StageOutcome.LOST),
]
PRODUCTS = [
    ProductDraft("PLAN-TEAM", "Team plan, per seat and year", Decimal("96"), tax_rate=Decimal(19)),
    ProductDraft("ONBOARD", "Onboarding workshop", Decimal("1200"), tax_rate=Decimal(19)),
    ProductDraft("LAMP-01", "Desk lamp", Decimal("49.90"), tax_rate=Decimal(7)),
]
CUSTOMERS = {
    "maria@customer.example": "Maria Rossi",
    "li.wei@shop.example": "Li Wei",
    "tom@startup.example": "Tom Berg",
    "old.client@archive.example": "Olga Client",
}
# name, stage, customer, product lines (sku, qty), days to expected close, category
DEALS = [
    ("Archive migration", "prospecting", "old.client@archive.example", [("ONBOARD", 1)], 75,
     ForecastCategory.PIPELINE),
    ("Startup team plan", "demo", "tom@startup.example", [("PLAN-TEAM", 12)], 40,
     ForecastCategory.BEST_CASE),
    ("Shop lamps restock", "proposal", "li.wei@shop.example", [("LAMP-01", 40)], 25,
     ForecastCategory.BEST_CASE),
    ("Rossi team expansion", "negotiation", "maria@customer.example",
     [("PLAN-TEAM", 25), ("ONBOARD", 1)], 10, ForecastCategory.COMMIT),
    ("Rossi renewal", "won", "maria@customer.example", [("PLAN-TEAM", 10)], -5,
     ForecastCategory.COMMIT),
    ("Bistro POS", "lost", "tom@startup.example", [("ONBOARD", 2)], -20, ForecastCategory.PIPELINE),
]  # fmt: skip
# external id, customer, days ago, lines, status: Maria loyal (3 orders), Tom returning,
# Li Wei new, Olga churned (one order two years ago).
ORDERS = [
    ("demo-order-1", "maria@customer.example", 200, [("PLAN-TEAM", 5)], OrderStatus.DELIVERED),
    ("demo-order-2", "maria@customer.example", 90, [("ONBOARD", 1)], OrderStatus.PAID),
    ("demo-order-3", "maria@customer.example", 5, [("PLAN-TEAM", 10)], OrderStatus.PENDING),
    ("demo-order-4", "tom@startup.example", 60, [("PLAN-TEAM", 3)], OrderStatus.DELIVERED),
    ("demo-order-5", "tom@startup.example", 12, [("LAMP-01", 2)], OrderStatus.SHIPPED),
    ("demo-order-6", "li.wei@shop.example", 8, [("LAMP-01", 1)], OrderStatus.PAID),
    ("demo-order-7", "old.client@archive.example", 730, [("ONBOARD", 1)], OrderStatus.DELIVERED),
]


def load_sales_demo(make_uow: Callable[[], UnitOfWork], rules: LifecycleRules) -> list[str]:
    """Create the sales demo (idempotent); the lines to print."""
    with make_uow() as uow:
        session = uow.session
        owner = agent_by_email(session, "rep@demo.local") or agent_by_email(
            session, "admin@demo.local"
        )
        owner_id = owner.id if owner is not None else None
        pipeline = _pipeline(session)
        for draft in PRODUCTS:
            if find_product(session, draft.sku) is None:
                create_product(session, Viewer.system(), draft)
        customers = {email: _customer(session, email, name) for email, name in CUSTOMERS.items()}
        _deals(session, pipeline, customers, owner_id)
        _orders(session, customers, rules)
        uow.commit()
    return [f"  sales  {len(DEALS)} deals on /sales/board, {len(ORDERS)} orders"]


def _pipeline(session: Session) -> Pipeline:
    found = session.scalars(select(Pipeline).where(Pipeline.name == PIPELINE)).first()
    return found or create_pipeline(session, Viewer.system(), PIPELINE, STAGES, is_default=True)


def _customer(session: Session, email: str, name: str) -> int:
    found = session.scalars(select(Customer).where(Customer.email == email)).first()
    if found is None:
        found = Customer(email=email, name=name)
        session.add(found)
        session.flush()
    return found.id


def _deals(
    session: Session, pipeline: Pipeline, customers: dict[str, int], owner_id: int | None
) -> None:
    now, today = utcnow(), date.today()
    stages = {stage.name: stage.id for stage in pipeline.stages}
    system = Viewer.system()
    for name, stage, email, lines, days, category in DEALS:
        if session.scalars(select(Opportunity).where(Opportunity.name == name)).first():
            continue
        products = tuple(DealLine(_product_id(session, sku), qty) for sku, qty in lines)
        draft = DealDraft(
            name, customer_id=customers[email], owner_id=owner_id, lines=products,
            expected_close=today + timedelta(days=days), forecast_category=category,
            next_step="Call back" if days > 0 else "",
        )  # fmt: skip
        deal = create_opportunity(session, system, draft, now - timedelta(days=30))
        reason = "chose a cheaper provider" if stage == "lost" else "signed"
        move_opportunity(session, system, deal.id, stages[stage], now - timedelta(days=3), reason)


def _orders(session: Session, customers: dict[str, int], rules: LifecycleRules) -> None:
    now = utcnow()
    context = order_context(Viewer.system(), now, rules)
    for external_id, email, days_ago, lines, status in ORDERS:
        if session.scalars(select(Order.id).where(Order.external_id == external_id)).first():
            continue
        draft = OrderDraft(
            customers[email],
            [LineDraft(_product_id(session, sku), qty) for sku, qty in lines],
            external_id=external_id, source="erp", ordered_at=now - timedelta(days=days_ago),
            status=status,
        )  # fmt: skip
        create_order(session, context, draft)


def _product_id(session: Session, sku: str) -> int:
    product = find_product(session, sku)
    assert product is not None, sku
    return product.id
