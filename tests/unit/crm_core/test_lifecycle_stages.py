"""compute_stage against hand-worked cases, one per stage and per boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from crm_core.customers import LifecycleStage
from crm_core.lifecycle import LifecycleRules, PlacedOrder, compute_stage

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
RULES = LifecycleRules(
    returning_window_days=90,
    loyal_min_orders=3,
    loyal_min_revenue=Decimal("1000"),
    loyal_period_days=365,
    churn_after_days=180,
)


def _orders(*days_ago_and_totals: tuple[int, str]) -> list[PlacedOrder]:
    return [PlacedOrder(NOW - timedelta(days=d), Decimal(t)) for d, t in days_ago_and_totals]


@pytest.mark.parametrize(
    ("orders", "activity_days_ago", "stage"),
    [
        ([], None, LifecycleStage.PROSPECT),
        (_orders((10, "50")), None, LifecycleStage.NEW),
        # A second order, but 120 days after the first: outside the 90-day window.
        (_orders((130, "50"), (10, "50")), None, LifecycleStage.NEW),
        (_orders((100, "50"), (10, "50")), None, LifecycleStage.RETURNING),
        (_orders((200, "50"), (100, "50"), (10, "50")), None, LifecycleStage.LOYAL),
        # Three orders, but one fell out of the 365-day period: returning, not loyal.
        (_orders((400, "50"), (100, "50"), (10, "50")), None, LifecycleStage.RETURNING),
        (_orders((10, "1000")), None, LifecycleStage.LOYAL),
        (_orders((10, "999.99")), None, LifecycleStage.NEW),
        (_orders((181, "5000")), None, LifecycleStage.CHURNED),
        # An old order, but recent activity (a request): not churned.
        (_orders((181, "50")), 5, LifecycleStage.NEW),
        (_orders((180, "50")), None, LifecycleStage.NEW),
    ],
)
def test_stage_follows_orders_and_activity(
    orders: list[PlacedOrder], activity_days_ago: int | None, stage: LifecycleStage
) -> None:
    activity = NOW - timedelta(days=activity_days_ago) if activity_days_ago else None
    assert compute_stage(orders, activity, NOW, RULES)[0] == stage


def test_reason_names_the_threshold() -> None:
    _, reason = compute_stage(_orders((181, "5")), None, NOW, RULES)
    assert reason == "no order or activity for 180 days"
