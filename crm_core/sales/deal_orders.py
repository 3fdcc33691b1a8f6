"""An order from a won deal, with the deal's product lines."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_core.orders.models import Order
from crm_core.orders.operations import LineDraft, OrderContext, OrderDraft, OrderError, create_order
from crm_core.sales.models import Opportunity, StageOutcome


def create_order_from_opportunity(
    session: Session, context: OrderContext, opportunity_id: int
) -> Order:
    """An order for a won deal's customer with the deal's product lines."""
    deal = session.get(Opportunity, opportunity_id)
    if deal is None:
        raise OrderError("opportunity: no such opportunity")
    if deal.outcome is not StageOutcome.WON:
        raise OrderError("opportunity: only a won deal becomes an order")
    if deal.customer_id is None:
        raise OrderError("customer: the deal has no customer")
    if not deal.products:
        raise OrderError("lines: the deal has no products")
    lines = [
        LineDraft(product_id=item.product_id, quantity=item.quantity, unit_price=item.unit_price)
        for item in deal.products
    ]
    draft = OrderDraft(
        customer_id=deal.customer_id,
        lines=lines,
        currency=deal.currency,
        source="deal",
        opportunity_id=deal.id,
    )
    return create_order(session, context, draft)
