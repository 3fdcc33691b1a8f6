"""Shared pieces of the workflow integration tests: a container on the test database,
a movable clock for the workflow jobs, and saving an active workflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_core.campaigns.workflows.models import Enrolment, StepLog, WorkflowStatus
from crm_core.campaigns.workflows.operations import save_workflow, set_status
from servicedesk import workflow_jobs
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.workflows import workflow_references

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


class Clock:
    """The workflow jobs' clock (`workflow_jobs.now`), moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        monkeypatch.setattr(workflow_jobs, "now", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def build(engine: Engine, tmp_path: Path, smtp_url: str | None = None) -> Container:
    """A process's container on the test database (a new one is a restart)."""
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret",
        testing=True,
        mail_smtp_url=smtp_url,
        mail_from="news@desk.example" if smtp_url else None,
        marketing_rate=0,
    )
    return Container.build(config, synchronous_jobs=True)


def active_workflow(
    container: Container, name: str, trigger: str, settings: dict[str, Any], steps: list[Any]
) -> int:
    with container.uow() as uow:
        definition = {"trigger": settings, "steps": steps, "exit": {}}
        refs = workflow_references(uow.session)
        workflow = save_workflow(uow.session, name, trigger, definition, refs, START)
        set_status(uow.session, workflow, WorkflowStatus.ACTIVE)
        uow.commit()
        return workflow.id


def enrolments(container: Container, workflow_id: int) -> list[Enrolment]:
    with container.uow() as uow:
        query = select(Enrolment).where(Enrolment.workflow_id == workflow_id)
        found = list(uow.session.scalars(query.order_by(Enrolment.id)))
        uow.session.expunge_all()  # readable after the unit of work
        return found


def step_log(container: Container, workflow_id: int) -> list[tuple[str, str]]:
    with container.uow() as uow:
        query = select(StepLog).where(StepLog.workflow_id == workflow_id).order_by(StepLog.id)
        return [(row.step_id or row.kind, row.outcome) for row in uow.session.scalars(query)]
