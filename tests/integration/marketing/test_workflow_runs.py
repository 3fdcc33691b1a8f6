"""Workflow runs on SQLite and PostgreSQL with the jobs' clock under the test's control:
a wait survives a restart and its step runs once, a crash mid-step is retried without a
second mail (aiosmtpd), an unsubscribed customer leaves, and the database refuses a
second active enrolment."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from crm_core.campaigns.workflows import steps as workflow_steps
from crm_core.campaigns.workflows.enrolment import enrol
from crm_core.campaigns.workflows.models import Enrolment, EnrolmentStatus, Workflow
from crm_core.customers import Customer
from crm_core.customers.operations import add_tag
from crm_core.privacy.consent import unsubscribe
from servicedesk import runtime
from servicedesk.container import Container
from servicedesk.jobs import run_job
from servicedesk.queues import RqQueue
from servicedesk.worker import run_worker
from tests.integration.marketing.helpers import Sink, make_audience, make_campaign, smtp_sink
from tests.integration.marketing.workflow_helpers import (
    Clock,
    active_workflow,
    build,
    enrolments,
    step_log,
)

LEASE = 300


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def mail() -> Iterator[tuple[Sink, str]]:
    with smtp_sink() as pair:
        yield pair


def _tag(container: Container, customer_id: int, name: str = "start") -> None:
    with container.uow() as uow:
        customer = uow.session.get(Customer, customer_id)
        assert customer is not None
        add_tag(uow.session, customer, name)
        uow.commit()


def _audience(container: Container, count: int = 1) -> tuple[list[int], int]:
    with container.uow() as uow:
        ids = make_audience(uow, count)
        campaign_id = make_campaign(uow, "stage = new").id  # nobody's segment: mail by workflow
        uow.commit()
    return ids, campaign_id


def _waiting(container: Container, name: str, wait: dict[str, int], tag: str) -> tuple[int, int]:
    """An active workflow (a wait, then a tag) started by the tag `start`, and a customer."""
    steps = [{"id": "wait", "type": "wait", **wait}, {"id": "after", "type": "tag", "tag": tag}]
    workflow_id = active_workflow(container, name, "tag_added", {"tag": "start"}, steps)
    with container.uow() as uow:
        customer_id = make_audience(uow, 1)[0]
        uow.commit()
    return workflow_id, customer_id


def test_a_wait_survives_a_restart_and_the_due_step_runs_once(
    engine: Engine, tmp_path: Path, clock: Clock
) -> None:
    first = build(engine, tmp_path)
    workflow_id, customer_id = _waiting(first, "Later", {"days": 2}, "two-days-later")
    _tag(first, customer_id)
    first.engine.dispose()  # the process stops while the customer waits
    clock.advance(days=2, minutes=1)
    second = build(engine, tmp_path)  # a new process: only SQL remembers the wait
    assert run_job(second, "sweep_workflows") == 1
    assert run_job(second, "sweep_workflows") == 0  # a second sweep finds nothing due
    run_job(second, "run_workflow_enrolment", enrolments(second, workflow_id)[0].id)
    assert step_log(second, workflow_id) == [
        ("enrolled", "done"),
        ("wait", "waiting"),
        ("after", "done"),
        ("completed", "completed"),
    ]
    second.engine.dispose()


def _crash_once(monkeypatch: pytest.MonkeyPatch, kind: str) -> list[str]:
    """The step of `kind` does its work, then the job dies before the commit, once."""
    original = workflow_steps.STEP_RUNNERS[kind]
    crashes: list[str] = []

    def crashing(run: Any) -> Any:
        result = original(run)
        if not crashes:
            crashes.append(kind)
            raise SystemExit("worker killed")  # not an Exception: no retry in the same job
        return result

    monkeypatch.setitem(workflow_steps.STEP_RUNNERS, kind, crashing)
    return crashes


def _run_killed(container: Container, job: str, *args: Any) -> None:
    with pytest.raises(SystemExit):
        run_job(container, job, *args)


@pytest.mark.parametrize("crash_in", ["email", "tag"])
def test_a_crash_mid_step_is_retried_without_a_second_mail(
    engine: Engine,
    tmp_path: Path,
    clock: Clock,
    mail: tuple[Sink, str],
    monkeypatch: pytest.MonkeyPatch,
    crash_in: str,
) -> None:
    sink, url = mail
    container = build(engine, tmp_path, smtp_url=url)
    [customer_id], campaign_id = _audience(container)
    steps = [
        {"id": "mail", "type": "email", "campaign_id": campaign_id},
        {"id": "tag", "type": "tag", "tag": "mailed"},
    ]
    workflow_id = active_workflow(container, "Mail once", "tag_added", {"tag": "start"}, steps)
    crashes = _crash_once(monkeypatch, crash_in)
    with container.uow() as uow:
        workflow = uow.session.get(Workflow, workflow_id)
        assert workflow is not None
        enrolment = enrol(uow.session, workflow, customer_id, clock.now)
        assert enrolment is not None
        uow.commit()
    _run_killed(container, "run_workflow_enrolment", enrolment.id)
    assert crashes == [crash_in]
    run_job(container, "sweep_workflows")  # the dead job's claim holds: nothing runs
    assert enrolments(container, workflow_id)[0].status == EnrolmentStatus.ACTIVE
    clock.advance(seconds=LEASE + 1)
    run_job(container, "sweep_workflows")  # the lease lapsed: the step is retried
    run_job(container, "sweep_workflows")
    run_job(container, "send_campaign", campaign_id)  # a duplicated send job
    assert enrolments(container, workflow_id)[0].status == EnrolmentStatus.COMPLETED
    assert sink.recipients == ["kim0@customer.example"]
    outcomes = [entry for entry in step_log(container, workflow_id) if entry[0] == "mail"]
    assert outcomes == [("mail", "queued")]
    container.engine.dispose()


def test_an_unsubscribed_customer_leaves_without_mail(
    engine: Engine, tmp_path: Path, clock: Clock, mail: tuple[Sink, str]
) -> None:
    sink, url = mail
    container = build(engine, tmp_path, smtp_url=url)
    [stays, leaves], campaign_id = _audience(container, 2)
    steps = [
        {"id": "wait", "type": "wait", "days": 1},
        {"id": "mail", "type": "email", "campaign_id": campaign_id},
    ]
    workflow_id = active_workflow(container, "Nurture", "tag_added", {"tag": "start"}, steps)
    _tag(container, stays)
    _tag(container, leaves)
    with container.uow() as uow:  # the one-click unsubscribe's operation
        unsubscribe(uow.session, "kim1@customer.example", None, source="unsubscribe link")
        uow.commit()
    clock.advance(days=1, minutes=1)
    run_job(container, "sweep_workflows")
    by_customer = {e.customer_id: e for e in enrolments(container, workflow_id)}
    assert by_customer[stays].status == EnrolmentStatus.COMPLETED
    assert (by_customer[leaves].status, by_customer[leaves].exit_reason) == (
        EnrolmentStatus.EXITED,
        "unsubscribed",
    )
    assert sink.recipients == ["kim0@customer.example"]
    container.engine.dispose()


def test_the_database_refuses_a_second_active_enrolment(
    engine: Engine, tmp_path: Path, clock: Clock
) -> None:
    container = build(engine, tmp_path)
    workflow_id = active_workflow(
        container, "Once", "tag_added", {"tag": "x"}, [{"id": "w", "type": "wait", "days": 1}]
    )
    with container.uow() as uow:
        customer_id = make_audience(uow, 1)[0]
        uow.commit()

    def enrolment(status: EnrolmentStatus) -> Callable[[], None]:
        def add() -> None:
            with container.uow() as uow:
                uow.session.add(
                    Enrolment(workflow_id=workflow_id, customer_id=customer_id, status=status)
                )
                uow.commit()

        return add

    enrolment(EnrolmentStatus.ACTIVE)()
    with pytest.raises(IntegrityError):
        enrolment(EnrolmentStatus.ACTIVE)()
    enrolment(EnrolmentStatus.COMPLETED)()  # finished runs may pile up
    enrolment(EnrolmentStatus.COMPLETED)()
    assert len(enrolments(container, workflow_id)) == 3
    container.engine.dispose()


def test_steps_run_as_rq_jobs_on_real_redis(
    engine: Engine, tmp_path: Path, clock: Clock, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = build(engine, tmp_path)
    workflow_id, customer_id = _waiting(container, "Queued", {"hours": 6}, "six-hours-later")
    prefix = f"wf-{uuid.uuid4().hex[:8]}-"
    queue = RqQueue(redis_url, prefix=prefix)
    container.tasks = queue
    monkeypatch.setattr(runtime, "_current", container)  # what rq's entry point reads
    _tag(container, customer_id)
    assert queue.queues["default"].count == 1  # the enrolment, queued after the commit
    run_worker(redis_url, burst=True, prefix=prefix)
    [enrolment] = enrolments(container, workflow_id)
    assert (enrolment.status, enrolment.step_id) == (EnrolmentStatus.ACTIVE, "after")
    clock.advance(hours=6)
    queue.enqueue("default", "sweep_workflows")  # what the scheduler does every few seconds
    run_worker(redis_url, burst=True, prefix=prefix)
    assert step_log(container, workflow_id)[-2:] == [("after", "done"), ("completed", "completed")]
    container.engine.dispose()
