"""The workflow engine with a fake clock: enrolment, waits, steps, branches and exits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from crm_core.access import Viewer
from crm_core.campaigns.eligibility import suppress
from crm_core.campaigns.models import Delivery
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.workflows.definition import TriggerKind
from crm_core.campaigns.workflows.enrolment import enrol, enrol_for_events
from crm_core.campaigns.workflows.events import MarketingEvent
from crm_core.campaigns.workflows.models import (
    Enrolment,
    EnrolmentStatus,
    StepLog,
    Workflow,
    WorkflowStatus,
)
from crm_core.campaigns.workflows.operations import save_workflow, set_status
from crm_core.campaigns.workflows.runner import due_enrolments, run_enrolment
from crm_core.crypto import session_info
from crm_core.customers.operations import tags_of
from crm_core.db import UnitOfWork, make_session_factory
from tests.conftest import TEST_CRYPTO
from tests.factories import make_customer
from tests.unit.workflows.helpers import NO_PROBLEM, FakeClock, Recorded


@pytest.fixture
def uows(sqlite_engine: Engine) -> Callable[[], UnitOfWork]:
    sessions = make_session_factory(sqlite_engine, session_info(TEST_CRYPTO))
    return lambda: UnitOfWork(sessions)


def _campaign(uow: UnitOfWork) -> int:
    draft = CampaignDraft(name="Welcome", mails=[MailDraft("A", "Welcome", "Hello")])
    return save_campaign(uow.session, Viewer.system(), draft).id


def _workflow(uow: UnitOfWork, steps: list[dict[str, Any]], **exits: Any) -> Workflow:
    definition = {"trigger": {"tag": "new"}, "steps": steps, "exit": exits}
    workflow = save_workflow(
        uow.session, "Welcome", "tag_added", definition, NO_PROBLEM, FakeClock()()
    )
    set_status(uow.session, workflow, WorkflowStatus.ACTIVE)
    return workflow


def _log(uow: UnitOfWork, enrolment_id: int) -> list[tuple[str, str]]:
    rows = uow.session.scalars(
        select(StepLog).where(StepLog.enrolment_id == enrolment_id).order_by(StepLog.id)
    )
    return [(row.kind, row.outcome) for row in rows]


def test_tag_wait_email_then_branch_with_a_fake_clock(uows: Callable[[], UnitOfWork]) -> None:
    clock, recorded = FakeClock(), Recorded()
    with uows() as uow:
        campaign_id = _campaign(uow)
        customer = make_customer(uow, "Ana Diaz")
        steps = [
            {"id": "tag", "type": "tag", "tag": "welcomed"},
            {"id": "wait", "type": "wait", "days": 2},
            {"id": "mail", "type": "email", "campaign_id": campaign_id},
            {
                "id": "opened",
                "type": "branch",
                "condition": f"received = {campaign_id}",
                "yes": [{"id": "vip", "type": "field", "field": "vip", "value": "yes"}],
                "no": [{"id": "ping", "type": "notify", "agent_id": 7, "text": "call them"}],
            },
        ]
        workflow = _workflow(uow, steps)
        event = MarketingEvent(TriggerKind.TAG_ADDED, customer.id, {"tag": "New"})
        [enrolment_id] = enrol_for_events(uow.session, [event], clock())
        uow.commit()
    ports = recorded.ports()
    assert run_enrolment(uows, enrolment_id, ports, clock) == 2  # tag, then the wait
    clock.advance(days=1, hours=23)
    with uows() as uow:
        assert due_enrolments(uow.session, clock(), 300) == []
    assert run_enrolment(uows, enrolment_id, ports, clock) == 0
    clock.advance(hours=1)
    assert run_enrolment(uows, enrolment_id, ports, clock) == 3  # mail, branch, notice
    with uows() as uow:
        enrolment = uow.session.get(Enrolment, enrolment_id)
        assert enrolment is not None and enrolment.status == EnrolmentStatus.COMPLETED
        assert [
            t.name for t in tags_of(uow.session, uow.session.get(type(customer), customer.id))
        ] == ["welcomed"]
        deliveries = uow.session.scalars(select(Delivery)).all()
        assert [(d.campaign_id, d.status.value) for d in deliveries] == [(campaign_id, "pending")]
        assert _log(uow, enrolment_id) == [
            ("enrolled", "done"),
            ("tag", "done"),
            ("wait", "waiting"),
            ("email", "queued"),
            ("branch", "no"),  # not received yet: the send job has not run
            ("notify", "done"),
            ("completed", "completed"),
        ]
    assert recorded.sends == [campaign_id]
    assert recorded.notices == [(7, "call them (Ana Diaz)", f"workflow:{enrolment_id}:ping")]
    del workflow


def test_a_customer_is_enrolled_once_while_active(uows: Callable[[], UnitOfWork]) -> None:
    clock = FakeClock()
    with uows() as uow:
        customer = make_customer(uow, "Bo")
        workflow = _workflow(uow, [{"id": "w", "type": "wait", "hours": 1}])
        first = enrol(uow.session, workflow, customer.id, clock())
        second = enrol(uow.session, workflow, customer.id, clock())
        uow.commit()
    assert first is not None and second is None
    duplicate = Enrolment(
        workflow_id=workflow.id, customer_id=customer.id, status=EnrolmentStatus.ACTIVE
    )
    with uows() as uow:
        uow.session.add(duplicate)
        with pytest.raises(IntegrityError):
            uow.session.flush()


def test_an_unsubscribed_customer_leaves_before_the_next_step(
    uows: Callable[[], UnitOfWork],
) -> None:
    clock, recorded = FakeClock(), Recorded()
    with uows() as uow:
        campaign_id = _campaign(uow)
        customer = make_customer(uow, "Cy", email="cy@customer.example")
        steps = [
            {"id": "w", "type": "wait", "days": 1},
            {"id": "m", "type": "email", "campaign_id": campaign_id},
        ]
        workflow = _workflow(uow, steps)
        enrolment = enrol(uow.session, workflow, customer.id, clock())
        assert enrolment is not None
        uow.commit()
    run_enrolment(uows, enrolment.id, recorded.ports(), clock)
    with uows() as uow:
        suppress(uow.session, "cy@customer.example", "unsubscribed")
        uow.commit()
    clock.advance(days=1)
    run_enrolment(uows, enrolment.id, recorded.ports(), clock)
    with uows() as uow:
        row = uow.session.get(Enrolment, enrolment.id)
        assert row is not None
        assert (row.status, row.exit_reason) == (EnrolmentStatus.EXITED, "unsubscribed")
        assert uow.session.scalars(select(Delivery)).all() == []
    assert recorded.sends == []


def _tagging_enrolment(uows: Callable[[], UnitOfWork], clock: FakeClock, name: str) -> int:
    """A customer enrolled in a one-step workflow that tags them."""
    with uows() as uow:
        customer = make_customer(uow, name)
        workflow = _workflow(uow, [{"id": "t", "type": "tag", "tag": "x"}])
        enrolment = enrol(uow.session, workflow, customer.id, clock())
        assert enrolment is not None
        uow.commit()
        return enrolment.id


def test_a_claimed_enrolment_is_not_run_by_a_second_job_until_the_lease_lapses(
    uows: Callable[[], UnitOfWork],
) -> None:
    from crm_core.campaigns.workflows.runner import claim

    clock, recorded = FakeClock(), Recorded()
    enrolment_id = _tagging_enrolment(uows, clock, "Di")
    with uows() as uow:
        assert claim(uow.session, enrolment_id, clock(), 300) is not None  # a job that dies
        uow.commit()
    assert run_enrolment(uows, enrolment_id, recorded.ports(), clock) == 0
    clock.advance(seconds=301)
    assert run_enrolment(uows, enrolment_id, recorded.ports(), clock) == 1
    with uows() as uow:
        assert [k for k, _ in _log(uow, enrolment_id)] == ["enrolled", "tag", "completed"]


def test_a_step_that_keeps_crashing_is_given_up_on(
    uows: Callable[[], UnitOfWork], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_core.campaigns.workflows import steps

    def broken(_run: object) -> object:
        raise RuntimeError("the database went away")

    monkeypatch.setitem(steps.STEP_RUNNERS, "tag", broken)
    clock, recorded = FakeClock(), Recorded()
    enrolment_id = _tagging_enrolment(uows, clock, "Flo")
    for _ in range(3):
        with pytest.raises(RuntimeError):
            run_enrolment(uows, enrolment_id, recorded.ports(), clock)
        clock.advance(seconds=301)
    assert run_enrolment(uows, enrolment_id, recorded.ports(), clock) == 0
    with uows() as uow:
        row = uow.session.get(Enrolment, enrolment_id)
        assert row is not None
        assert (row.status, row.exit_reason) == (EnrolmentStatus.FAILED, "step t crashed 3 times")
        assert _log(uow, enrolment_id)[-1] == ("failed", "failed")
