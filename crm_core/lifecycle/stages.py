"""The lifecycle stage, computed from orders and activity, never typed (seed 2.1).

prospect: no order yet; new: a first order; returning: a repeat order within a window of
the one before; loyal: enough orders or revenue in a recent period; churned: a customer
with no order and no activity for a period. Pure: the caller supplies the facts and now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from crm_core.customers.models import LifecycleStage


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds, from settings (`SERVICEDESK_LIFECYCLE_*`)."""

    returning_window_days: int = 180
    loyal_min_orders: int = 3
    loyal_min_revenue: Decimal = Decimal("5000")
    loyal_period_days: int = 365
    churn_after_days: int = 365


@dataclass(frozen=True)
class PlacedOrder:
    """An order that counts as revenue: when, and how much."""

    at: datetime
    total: Decimal


def compute_stage(
    orders: Sequence[PlacedOrder],
    last_activity: datetime | None,
    now: datetime,
    rules: LifecycleRules,
) -> tuple[LifecycleStage, str]:
    """The stage these facts put a customer in, and the reason in words."""
    if not orders:
        return LifecycleStage.PROSPECT, "no order yet"
    dated = sorted(order.at for order in orders)
    latest = max(dated[-1], last_activity or dated[-1])
    if now - latest > timedelta(days=rules.churn_after_days):
        return LifecycleStage.CHURNED, f"no order or activity for {rules.churn_after_days} days"
    period_start = now - timedelta(days=rules.loyal_period_days)
    recent = [order for order in orders if order.at >= period_start]
    revenue = sum((order.total for order in recent), Decimal("0"))
    if len(recent) >= rules.loyal_min_orders:
        return LifecycleStage.LOYAL, f"{len(recent)} orders in {rules.loyal_period_days} days"
    if revenue >= rules.loyal_min_revenue:
        return LifecycleStage.LOYAL, f"revenue {revenue} in {rules.loyal_period_days} days"
    window = timedelta(days=rules.returning_window_days)
    if any(later - earlier <= window for earlier, later in pairwise(dated)):
        return LifecycleStage.RETURNING, (
            f"a repeat order within {rules.returning_window_days} days"
        )
    return LifecycleStage.NEW, "first order" if len(dated) == 1 else "no repeat within window"
