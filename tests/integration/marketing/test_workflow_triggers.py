"""Trigger wiring on SQLite and PostgreSQL: a lifecycle stage change, a tag added and a
request solved each enrol the customer (through the after-commit hook and the jobs), and
the first steps run at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from crm_core.customers import Customer
from crm_core.customers.operations import add_tag, tags_of
from crm_core.lifecycle import recompute_stage
from crm_core.orders.models import Order, OrderStatus
from servicedesk.container import Container
from servicedesk.desk.models import Status
from servicedesk.desk.operations import change_status
from tests.factories import make_customer, make_request
from tests.integration.marketing.workflow_helpers import (
    START,
    Clock,
    active_workflow,
    build,
    enrolments,
    step_log,
)


@pytest.fixture
def container(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    Clock(monkeypatch)
    built = build(engine, tmp_path)
    yield built
    built.engine.dispose()


def _tags(container: Container, customer_id: int) -> list[str]:
    with container.uow() as uow:
        customer = uow.session.get(Customer, customer_id)
        assert customer is not None
        return [tag.name for tag in tags_of(uow.session, customer)]


def _tagging(name: str) -> list[dict[str, object]]:
    return [{"id": "t", "type": "tag", "tag": name}]


def test_a_stage_change_enrols_the_customer(container: Container) -> None:
    workflow_id = active_workflow(
        container, "New customers", "stage_changed", {"stage": "new"}, _tagging("welcomed")
    )
    with container.uow() as uow:
        customer = make_customer(uow, "Noor")
        order = Order(
            customer_id=customer.id,
            status=OrderStatus.PAID,
            total=Decimal("25.00"),
            ordered_at=START - timedelta(days=1),
        )
        uow.session.add(order)
        uow.session.flush()
        assert recompute_stage(uow.session, customer.id, container.config.lifecycle_rules(), START)
        uow.commit()
    [enrolment] = enrolments(container, workflow_id)
    assert (enrolment.customer_id, enrolment.status.value) == (customer.id, "completed")
    assert enrolment.trigger == "stage_changed: stage new"
    assert _tags(container, customer.id) == ["welcomed"]
    assert step_log(container, workflow_id) == [
        ("enrolled", "done"),
        ("t", "done"),
        ("completed", "completed"),
    ]


def test_a_tag_enrols_the_customer_once(container: Container) -> None:
    workflow_id = active_workflow(
        container,
        "VIP care",
        "tag_added",
        {"tag": "VIP"},
        [{"id": "w", "type": "wait", "days": 1}, {"id": "t", "type": "tag", "tag": "cared"}],
    )
    with container.uow() as uow:
        customer = make_customer(uow, "Ola")
        add_tag(uow.session, customer, "newsletter")  # another tag: no enrolment
        uow.commit()
    assert enrolments(container, workflow_id) == []
    for _ in range(2):  # tagged twice (the second is a no-op): one enrolment
        with container.uow() as uow:
            customer_row = uow.session.get(Customer, customer.id)
            assert customer_row is not None
            add_tag(uow.session, customer_row, "vip")
            uow.commit()
    [enrolment] = enrolments(container, workflow_id)
    assert (enrolment.status.value, enrolment.step_id) == ("active", "t")  # waiting a day


def test_a_solved_request_enrols_its_customer(container: Container) -> None:
    workflow_id = active_workflow(
        container, "After support", "request_solved", {}, _tagging("helped")
    )
    with container.uow() as uow:
        request = make_request(uow)
        uow.commit()
    with container.uow() as uow:
        change_status(uow, request.id, Status.SOLVED)
        uow.commit()
    [enrolment] = enrolments(container, workflow_id)
    assert enrolment.customer_id == request.customer_id
    assert enrolment.trigger.startswith("request_solved: request ")
    assert _tags(container, request.customer_id) == ["helped"]
