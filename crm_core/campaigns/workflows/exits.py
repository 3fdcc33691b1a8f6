"""Exit conditions, checked before every step: unsubscribed, converted, or custom rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.campaigns.eligibility import is_suppressed
from crm_core.campaigns.segments import parse_rules, segment_query
from crm_core.campaigns.workflows.models import Enrolment
from crm_core.campaigns.workflows.ports import WorkflowPorts
from crm_core.customers.models import Customer
from crm_core.orders.models import NOT_REVENUE, Order
from crm_core.privacy.consent import ConsentRecord, Purpose
from crm_core.sales.models import Opportunity, StageOutcome


def exit_reason(
    session: Session,
    enrolment: Enrolment,
    exits: dict[str, Any],
    ports: WorkflowPorts,
    now: datetime,
) -> str | None:
    """Why the customer leaves the workflow now, or None to go on."""
    customer = session.get(Customer, enrolment.customer_id)
    if customer is None:
        return "customer gone"
    if exits.get("unsubscribed", True) and unsubscribed(session, customer):
        return "unsubscribed"
    if exits.get("converted", True) and converted(session, customer.id, enrolment.enrolled_at):
        return "converted"
    rules = str(exits.get("rules") or "")
    if rules.strip() and customer_matches(session, customer.id, rules, ports, now):
        return "exit rules matched"
    return None


def unsubscribed(session: Session, customer: Customer) -> bool:
    """The address is suppressed, or the newest marketing consent answer is a withdrawal."""
    if customer.email and is_suppressed(session, customer.email):
        return True
    newest = session.scalar(
        select(ConsentRecord.granted)
        .where(
            ConsentRecord.customer_id == customer.id,
            ConsentRecord.purpose == Purpose.MARKETING_EMAIL.value,
        )
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )
    return newest is False


def converted(session: Session, customer_id: int, since: datetime) -> bool:
    """An order placed or a deal won since the customer was enrolled."""
    order = select(Order.id).where(
        Order.customer_id == customer_id,
        Order.status.not_in(NOT_REVENUE),
        Order.ordered_at >= since,
    )
    won = select(Opportunity.id).where(
        Opportunity.customer_id == customer_id,
        Opportunity.outcome == StageOutcome.WON,
        Opportunity.closed_at >= since,
    )
    return session.scalar(order.limit(1)) is not None or session.scalar(won.limit(1)) is not None


def customer_matches(
    session: Session, customer_id: int, rules: str, ports: WorkflowPorts, now: datetime
) -> bool:
    """Whether the customer matches segment rules (the same rules segments use)."""
    query = segment_query(parse_rules(rules), now, ports.segment_fields)
    return session.scalar(query.where(Customer.id == customer_id).limit(1)) is not None
