"""The order operations' context, wired to recompute the customer's stage on each change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.lifecycle.operations import recompute_stage
from crm_core.lifecycle.stages import LifecycleRules
from crm_core.orders.operations import OrderContext


def order_context(
    viewer: Viewer,
    now: datetime,
    rules: LifecycleRules,
    last_activity: datetime | None = None,
) -> OrderContext:
    """Who acts and when; every order created or changed recomputes with these rules."""

    def restage(session: Session, customer_id: int) -> None:
        recompute_stage(session, customer_id, rules, now, last_activity)

    return OrderContext(viewer, now, restage)
