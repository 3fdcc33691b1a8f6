"""Sales data for Slack: new leads from `/lead`, the open pipeline, and the 360 card's
recent orders and open opportunities, read from crm_core's sales and order tables.

Leads go through the sales work's `capture_lead`, which links, de-duplicates and scores.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.customers import Customer
from crm_core.orders.models import Order
from crm_core.sales.capture import capture_lead
from crm_core.sales.models import Lead, Opportunity, PipelineStage, StageOutcome
from servicedesk.web.hooks.slack import cards

RECENT_ORDERS = 3


@dataclass(frozen=True)
class StageTotal:
    """Open deals in one stage (and currency): how many, their sum, and weighted by the
    chance of winning."""

    stage: str
    currency: str
    count: int
    amount: Decimal
    weighted: Decimal


def create_lead(
    session: Session, viewer: Viewer, name: str, email: str, company: str | None
) -> Lead:
    """A lead owned by the caller through the sales work's one capture rule: linked to
    the customer who has that email, an open lead with it updated rather than doubled,
    scored by the admins' rules (`LeadInvalid`, a ValueError, names a bad field)."""
    captured = capture_lead(
        session,
        name=" ".join(name.split())[:200],
        email=email,
        company=(company or "")[:200],
        owner_id=viewer.user_id,
        source="slack",
    )
    return captured.lead


def pipeline_totals(session: Session, viewer: Viewer, scope: str) -> list[StageTotal]:
    """Open opportunities by stage, the caller's own (`mine`) or their team's (`team`)."""
    owners = {viewer.user_id} if scope == "mine" else set(viewer.teammate_ids)
    query = (
        select(Opportunity, PipelineStage)
        .join(PipelineStage, Opportunity.stage_id == PipelineStage.id)
        .where(Opportunity.outcome == StageOutcome.OPEN, Opportunity.owner_id.in_(owners))
        .order_by(PipelineStage.pipeline_id, PipelineStage.position)
    )
    totals: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for deal, stage in session.execute(query):
        chance = deal.probability if deal.probability is not None else stage.probability
        row = totals[(stage.name, deal.currency)]
        row[0] += 1
        row[1] += deal.amount
        row[2] += deal.amount * Decimal(str(chance))
    return [
        StageTotal(stage, currency, int(c), a, w.quantize(Decimal("0.01")))
        for (stage, currency), (c, a, w) in totals.items()
    ]


def recent_orders(session: Session, customer: Customer) -> list[cards.Block]:
    """The 360 card's section: the last orders."""
    query = (
        select(Order)
        .where(Order.customer_id == customer.id)
        .order_by(Order.ordered_at.desc())
        .limit(RECENT_ORDERS)
    )
    lines = [
        f"{o.ordered_at:%Y-%m-%d} · {o.status.value} · {o.total:,.2f} {o.currency}"
        for o in session.scalars(query)
    ]
    return [cards.text("*Recent orders*\n" + "\n".join(lines))] if lines else []


def open_opportunities(session: Session, customer: Customer) -> list[cards.Block]:
    """The 360 card's section: open deals with their amounts."""
    mine = Opportunity.customer_id == customer.id
    if customer.organization_id is not None:
        mine = mine | (Opportunity.organization_id == customer.organization_id)
    query = (
        select(Opportunity)
        .where(mine, Opportunity.outcome == StageOutcome.OPEN)
        .order_by(Opportunity.expected_close)
        .limit(5)
    )
    lines = [
        f"{cards.escape(o.name)} · {o.stage.name} · {o.amount:,.2f} {o.currency}"
        for o in session.scalars(query)
    ]
    return [cards.text("*Open opportunities*\n" + "\n".join(lines))] if lines else []
