"""Recompute a customer's stage on every order and for everyone in the daily job.

Each change is recorded as a `StageChange`, which campaigns and reports read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.customers.models import Customer, LifecycleStage
from crm_core.lifecycle.models import StageChange
from crm_core.lifecycle.stages import LifecycleRules, PlacedOrder, compute_stage
from crm_core.orders.models import NOT_REVENUE, Order
from crm_core.timeline import TimelineEntry


def recompute_stage(
    session: Session,
    customer_id: int,
    rules: LifecycleRules,
    now: datetime,
    last_activity: datetime | None = None,
) -> StageChange | None:
    """Set the customer's stage from their orders; the change made, if any."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    rows = session.execute(
        select(Order.ordered_at, Order.total).where(
            Order.customer_id == customer_id, Order.status.not_in(NOT_REVENUE)
        )
    )
    orders = [PlacedOrder(at=_aware(at, now), total=total) for at, total in rows]
    activity = _aware(last_activity, now) if last_activity else None
    stage, reason = compute_stage(orders, activity, now, rules)
    return _move(session, customer, stage, reason, now)


def recompute_all(
    session: Session,
    rules: LifecycleRules,
    now: datetime,
    last_activity: Mapping[int, datetime] | None = None,
) -> int:
    """The daily job: every customer who has ordered (prospects change only by ordering)."""
    activity = last_activity or {}
    ordered = session.scalars(select(Order.customer_id).distinct()).all()
    changed = 0
    for customer_id in ordered:
        if recompute_stage(session, customer_id, rules, now, activity.get(customer_id)):
            changed += 1
    return changed


def stage_timeline(session: Session, customer_ids: Sequence[int]) -> Iterable[TimelineEntry]:
    """The 360 timeline's stage changes."""
    changes = session.scalars(select(StageChange).where(StageChange.customer_id.in_(customer_ids)))
    for change in changes:
        before = change.from_stage.value if change.from_stage else "none"
        yield TimelineEntry(
            at=change.at,
            kind="stage",
            title=f"Stage {before} → {change.to_stage.value}",
            detail=change.reason,
            ref=("customer", change.customer_id),
        )


def _move(
    session: Session, customer: Customer, stage: LifecycleStage, reason: str, now: datetime
) -> StageChange | None:
    if customer.lifecycle_stage == stage:
        return None
    change = StageChange(
        customer_id=customer.id,
        from_stage=customer.lifecycle_stage,
        to_stage=stage,
        reason=reason,
        at=now,
    )
    customer.lifecycle_stage = stage
    session.add(change)
    session.flush()
    return change


def _aware(moment: datetime, now: datetime) -> datetime:
    # SQLite hands timestamps back naive; they were stored in UTC like `now`.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=now.tzinfo)
