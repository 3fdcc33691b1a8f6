"""The daily lifecycle job through real Redis and an rq worker; request activity counts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from crm_core.customers import Customer, LifecycleStage
from crm_core.db import utcnow
from crm_core.lifecycle.models import StageChange
from crm_core.orders.models import Order
from servicedesk import runtime
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.models import ServiceRequest
from servicedesk.queues import RqQueue
from servicedesk.worker import run_worker


def test_daily_job_churns_the_silent_and_keeps_customers_with_requests(
    engine: Engine, tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="k",
        redis_url=redis_url,
        testing=True,
        lifecycle_churn_after_days=200,
    )
    container = Container.build(config)
    monkeypatch.setattr(runtime, "_current", container)
    long_ago = utcnow() - timedelta(days=300)
    with container.uow() as uow:
        ids = []
        for email in ("silent@shop.example", "asking@shop.example"):
            customer = Customer(name=email, email=email, lifecycle_stage=LifecycleStage.NEW)
            uow.session.add(customer)
            uow.session.flush()
            order = Order(customer_id=customer.id, total=Decimal(10), ordered_at=long_ago)
            uow.session.add(order)
            ids.append(customer.id)
        uow.session.add(ServiceRequest(subject="Hi", customer_id=ids[1], channel="email"))
        uow.commit()
    prefix = f"test-{uuid.uuid4().hex[:8]}-"
    container.tasks = RqQueue(redis_url, prefix=prefix)
    for _ in range(2):  # safe to run twice: the second run changes nothing
        container.tasks.enqueue("default", "recompute_lifecycle")
        run_worker(redis_url, burst=True, prefix=prefix)
    with container.uow() as uow:
        stages = [uow.session.get(Customer, i).lifecycle_stage for i in ids]  # type: ignore[union-attr]
        changes = [(c.customer_id, c.to_stage) for c in uow.session.query(StageChange)]
    assert changes == [(ids[0], LifecycleStage.CHURNED)]
    assert stages == [LifecycleStage.CHURNED, LifecycleStage.NEW]
    container.engine.dispose()
