"""The demo's running workflow: enrolled customers at every stage, a step log, and a
second load that adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from crm_core.campaigns.models import Delivery, DeliveryStatus
from crm_core.campaigns.workflows.models import Enrolment, StepLog, Workflow, WorkflowStatus
from crm_core.privacy.consent import grant_consent
from servicedesk.app import create_app
from servicedesk.demo_workflows import WORKFLOW, load_workflows_demo
from servicedesk.desk.accounts import create_agent
from tests.factories import make_customer
from tests.integration.marketing.workflow_helpers import build
from tests.integration.web.conftest import sign_in


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'demo.db'}"


def test_the_demo_workflow_runs_with_enrolments_and_a_step_log(
    engine: Engine, tmp_path: Path
) -> None:
    container = build(engine, tmp_path)
    with container.uow() as uow:
        for number in range(8):  # the marketing demo's customers said yes to its mail
            customer = make_customer(uow, f"Demo{number} Person")
            grant_consent(uow.session, customer.id, "marketing_email", source="demo")
        uow.commit()
    lines = load_workflows_demo(container.uow)
    assert lines and "/marketing/workflows/" in lines[0]
    assert load_workflows_demo(container.uow) == []  # idempotent
    with container.uow() as uow:
        workflow = uow.session.scalars(select(Workflow).where(Workflow.name == WORKFLOW)).one()
        assert workflow.status == WorkflowStatus.ACTIVE
        workflow_id = workflow.id
        states = dict(
            uow.session.execute(
                select(Enrolment.status, func.count()).group_by(Enrolment.status)
            ).all()
        )
        waiting_at = set(
            uow.session.scalars(select(Enrolment.step_id).where(Enrolment.status == "active"))
        )
        kinds = set(uow.session.scalars(select(StepLog.outcome)))
        sent = uow.session.scalar(
            select(func.count()).where(Delivery.status == DeliveryStatus.SENT)
        )
    assert states == {"active": 5, "completed": 3}
    assert waiting_at == {"mail", "opened"}  # waiting for the mail, and for the branch
    assert {"waiting", "queued", "yes", "no"} <= kinds
    assert sent == 6
    _page_names_the_enrolled_customers(container, workflow_id)
    container.engine.dispose()


def _page_names_the_enrolled_customers(container, workflow_id: int) -> None:  # type: ignore[no-untyped-def]
    with container.uow() as uow:
        create_agent(uow.session, "mia@desk.example", "mia-password", roles=["marketing"])
        uow.commit()
    client = create_app(container=container).test_client()
    sign_in(client, "mia@desk.example", "mia-password")
    page = client.get(f"/marketing/workflows/{workflow_id}").get_data(as_text=True)
    assert "Demo0 Person</a>" in page  # names, not bare ids
