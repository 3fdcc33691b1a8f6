"""A running workflow for `servicedesk demo`: "Welcome new customers" (tag, wait two
days, the welcome mail, wait three days, then a branch on whether it was opened).

Some demo customers were enrolled over the last eight days and stepped through by the
real runner on a clock set back in time, so the workflow page shows enrolments at every
stage and a step log. No mail is sent: the welcome mail's rows are marked sent, as the
campaign demo does. Idempotent: nothing is added when the workflow exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.campaigns.models import Campaign, Delivery, DeliveryStatus
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.workflows.enrolment import enrol
from crm_core.campaigns.workflows.models import Workflow, WorkflowStatus
from crm_core.campaigns.workflows.operations import save_workflow, set_status
from crm_core.campaigns.workflows.ports import WorkflowPorts
from crm_core.campaigns.workflows.runner import run_enrolment
from crm_core.customers import Customer
from crm_core.db import UnitOfWork, utcnow
from servicedesk.desk.workflows import workflow_references

WORKFLOW = "Welcome new customers (demo)"
CAMPAIGN = "Welcome mail (workflow demo)"
# Days ago each demo customer was enrolled: some still wait, some got the mail, some are done.
ENROLLED_DAYS_AGO = (0.5, 1, 2.5, 3, 4, 6, 7, 8)


def load_workflows_demo(uow_factory: Callable[[], UnitOfWork]) -> list[str]:
    """Load the demo workflow with its enrolments; the lines to print."""
    with uow_factory() as uow:
        if uow.session.scalar(select(Workflow.id).where(Workflow.name == WORKFLOW)):
            return []
        campaign_id = _welcome_mail(uow)
        workflow_id = _workflow(uow, campaign_id)
        customers = _customers(uow)
        uow.commit()
    for customer_id, days in zip(customers, ENROLLED_DAYS_AGO, strict=False):
        _run_as_if(uow_factory, workflow_id, customer_id, utcnow() - timedelta(days=days))
    return [f"  workflow   {WORKFLOW}: /marketing/workflows/{workflow_id}"]


def _welcome_mail(uow: UnitOfWork) -> int:
    html = "<p>Welcome, {{ customer.first_name }}!</p><p>Here is how to get help.</p>"
    mail = MailDraft("A", "Welcome, {{ customer.first_name }}", "Welcome aboard!", html)
    draft = CampaignDraft(CAMPAIGN, goal="Welcome customers after their first order", mails=[mail])
    return save_campaign(uow.session, Viewer.system(), draft).id


def _workflow(uow: UnitOfWork, campaign_id: int) -> int:
    steps = [
        {"id": "tag", "type": "tag", "tag": "welcome-series"},
        {"id": "wait1", "type": "wait", "days": 2},
        {"id": "mail", "type": "email", "campaign_id": campaign_id},
        {"id": "wait2", "type": "wait", "days": 3},
        {
            "id": "opened",
            "type": "branch",
            "condition": f"opened = {campaign_id}",
            "yes": [{"id": "engaged", "type": "tag", "tag": "engaged"}],
            "no": [{"id": "call", "type": "notify", "text": "Did not open the welcome mail"}],
        },
    ]
    definition = {"trigger": {"stage": "new"}, "steps": steps, "exit": {}}
    session = uow.session
    workflow = save_workflow(
        session, WORKFLOW, "stage_changed", definition, workflow_references(session), utcnow()
    )
    set_status(session, workflow, WorkflowStatus.ACTIVE)
    return workflow.id


def _customers(uow: UnitOfWork) -> list[int]:
    query = select(Customer.id).where(Customer.email.is_not(None)).order_by(Customer.id)
    return list(uow.session.scalars(query.limit(len(ENROLLED_DAYS_AGO))))


def _run_as_if(
    uow_factory: Callable[[], UnitOfWork], workflow_id: int, customer_id: int, start: datetime
) -> None:
    """Enrol at `start`, then run every step that fell due between then and now."""
    moment = [start]
    ports = WorkflowPorts(notify_rep=lambda *_: None, send_campaign=lambda _id: None)
    with uow_factory() as uow:
        workflow = uow.session.get(Workflow, workflow_id)
        enrolment = enrol(uow.session, workflow, customer_id, start, "stage_changed: stage new")
        uow.commit()
    if enrolment is None:
        return
    for step_days in (0, 2, 3):
        moment[0] += timedelta(days=step_days)
        if moment[0] > utcnow():
            return
        run_enrolment(uow_factory, enrolment.id, ports, lambda: moment[0])
        _deliver_as_sent(uow_factory, customer_id, moment[0])


def _deliver_as_sent(
    uow_factory: Callable[[], UnitOfWork], customer_id: int, moment: datetime
) -> None:
    """The welcome mail went out at once; every other customer opened it."""
    with uow_factory() as uow:
        campaign = select(Campaign.id).where(Campaign.name == CAMPAIGN).scalar_subquery()
        rows = uow.session.scalars(
            select(Delivery).where(
                Delivery.campaign_id == campaign,
                Delivery.customer_id == customer_id,
                Delivery.status == DeliveryStatus.PENDING,
            )
        )
        for row in rows:
            row.status, row.sent_at = DeliveryStatus.SENT, moment
            if customer_id % 2 == 0:
                row.opened_at = moment + timedelta(hours=1)
        uow.commit()
