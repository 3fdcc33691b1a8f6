"""Orders move a customer through the stages; each move is recorded once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from crm_core.customers import Customer, LifecycleStage
from crm_core.lifecycle import LifecycleRules, recompute_all, recompute_stage
from crm_core.lifecycle.models import StageChange
from crm_core.orders.models import Order, OrderStatus

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
RULES = LifecycleRules(returning_window_days=90, loyal_min_orders=3, churn_after_days=180)


def _order(customer: Customer, days_ago: int, status: OrderStatus = OrderStatus.PAID) -> Order:
    return Order(
        customer_id=customer.id,
        status=status,
        total=Decimal("10.00"),
        ordered_at=NOW - timedelta(days=days_ago),
    )


def test_orders_move_the_stage_and_record_each_change(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        ada = Customer(name="Ada")
        uow.session.add(ada)
        uow.session.flush()
        assert recompute_stage(uow.session, ada.id, RULES, NOW) is None  # still a prospect
        uow.session.add(_order(ada, 40))
        first = recompute_stage(uow.session, ada.id, RULES, NOW)
        uow.session.add(_order(ada, 5, OrderStatus.CANCELLED))  # not revenue
        unchanged = recompute_stage(uow.session, ada.id, RULES, NOW)
        uow.session.add(_order(ada, 10))
        second = recompute_stage(uow.session, ada.id, RULES, NOW)
        uow.commit()
    assert first is not None and first.to_stage == LifecycleStage.NEW
    assert unchanged is None
    assert second is not None and second.from_stage == LifecycleStage.NEW
    with uow_factory() as uow:
        stored = uow.session.get(Customer, ada.id)
        assert stored is not None and stored.lifecycle_stage == LifecycleStage.RETURNING
        changes = uow.session.scalars(select(StageChange.to_stage).order_by(StageChange.id))
        assert list(changes) == [LifecycleStage.NEW, LifecycleStage.RETURNING]


def test_daily_job_churns_the_quiet_and_spares_the_active(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        quiet, busy = Customer(name="Quiet"), Customer(name="Busy")
        uow.session.add_all([quiet, busy])
        uow.session.flush()
        uow.session.add_all([_order(quiet, 300), _order(busy, 300)])
        changed = recompute_all(
            uow.session, RULES, NOW, last_activity={busy.id: NOW - timedelta(days=3)}
        )
        assert changed == 2
        assert quiet.lifecycle_stage == LifecycleStage.CHURNED
        assert busy.lifecycle_stage == LifecycleStage.NEW
