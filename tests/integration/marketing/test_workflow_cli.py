"""`servicedesk marketing tick` (cron, where no `serve` or `worker` ticks) runs the
workflow steps that are due, once."""

from __future__ import annotations

import os

from crm_core.campaigns.workflows.enrolment import enrol
from crm_core.campaigns.workflows.models import Workflow
from crm_core.customers import Customer
from crm_core.customers.operations import tags_of
from crm_core.db import utcnow
from tests.factories import make_customer
from tests.integration.crm.test_crm_cli import cli_env, run
from tests.integration.marketing.workflow_helpers import active_workflow

__all__ = ["cli_env"]  # the fixture, imported to be used here


def test_the_tick_runs_due_workflow_steps(cli_env: dict[str, str]) -> None:
    from servicedesk.cli.context import container

    saved = dict(os.environ)
    os.environ.update(cli_env)
    try:
        built = container()
        steps = [{"id": "t", "type": "tag", "tag": "ticked"}]
        workflow_id = active_workflow(built, "Cron", "tag_added", {"tag": "go"}, steps)
        with built.uow() as uow:
            customer_id = make_customer(uow, "Tia").id
            workflow = uow.session.get(Workflow, workflow_id)
            assert workflow is not None
            assert enrol(uow.session, workflow, customer_id, utcnow()) is not None
            uow.commit()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert "1 workflow enrolments had a step due" in run(cli_env, "marketing", "tick")
    assert "0 workflow enrolments had a step due" in run(cli_env, "marketing", "tick")
    with built.uow() as uow:
        customer = uow.session.get(Customer, customer_id)
        assert customer is not None
        assert [tag.name for tag in tags_of(uow.session, customer)] == ["ticked"]
