"""What each step type does to one enrolment, inside the step's transaction.

Every effect is written in the same transaction as the step's log row and the move to
the next step, so a crash before commit leaves nothing behind and the retried step does
it once. What leaves the database (the mail, the Slack DM) is handed on after commit to
paths that are exactly-once themselves: the campaign's claimed delivery rows, and Slack
posts keyed by enrolment and step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from crm_core.campaigns.models import Campaign, Delivery
from crm_core.campaigns.sending import CampaignError, plan_deliveries
from crm_core.campaigns.workflows.definition import Located, first_step, wait_minutes
from crm_core.campaigns.workflows.exits import customer_matches
from crm_core.campaigns.workflows.models import Enrolment
from crm_core.campaigns.workflows.ports import WorkflowPorts
from crm_core.customers.custom_fields import set_custom_values
from crm_core.customers.models import Customer
from crm_core.customers.operations import add_tag, set_owner, set_tier
from crm_core.db import UnitOfWork

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass
class StepRun:
    """One step about to run: where, for whom, with what, and when."""

    uow: UnitOfWork
    enrolment: Enrolment
    customer: Customer
    located: Located
    ports: WorkflowPorts
    now: datetime

    @property
    def step(self) -> dict[str, Any]:
        return self.located.step


@dataclass(frozen=True)
class StepResult:
    outcome: str  # done, waiting, queued, yes, no, skipped, failed
    detail: str = ""
    next_step: str | None = None
    run_at: datetime | None = None  # None: at once


def _wait(run: StepRun) -> StepResult:
    until = run.now + timedelta(minutes=wait_minutes(run.step))
    return StepResult("waiting", f"until {until:%Y-%m-%d %H:%M} UTC", run.located.after, until)


def _email(run: StepRun) -> StepResult:
    session = run.uow.session
    campaign = session.get(Campaign, int(run.step["campaign_id"]))
    if campaign is None:
        return StepResult("failed", "the campaign is gone", run.located.after)
    one = select(Customer.id).where(Customer.id == run.customer.id)
    try:
        added = plan_deliveries(session, campaign, one, run.now, run.ports.consent)
    except CampaignError as error:
        return StepResult("failed", str(error), run.located.after)
    if not added:
        mailed = session.scalar(
            select(Delivery.id).where(
                Delivery.campaign_id == campaign.id, Delivery.customer_id == run.customer.id
            )
        )
        why = "already got this mail" if mailed else "no consent, no address or suppressed"
        return StepResult("skipped", why, run.located.after)
    campaign_id, send = campaign.id, run.ports.send_campaign
    run.uow.after_commit(lambda: send(campaign_id))
    return StepResult("queued", f"campaign {campaign.name}", run.located.after)


def _tag(run: StepRun) -> StepResult:
    added = add_tag(run.uow.session, run.customer, str(run.step["tag"]))
    return StepResult("done", f"tag {added.name}", run.located.after)


def _field(run: StepRun) -> StepResult:
    name, value = str(run.step["field"]), str(run.step.get("value", ""))
    try:
        if name == "vip":
            run.customer.vip = value.strip().lower() in TRUE_WORDS
        elif name == "tier":
            set_tier(run.customer, value)
        else:
            set_custom_values(run.uow.session, run.customer, {name.removeprefix("custom:"): value})
    except ValueError as error:
        return StepResult("failed", f"{name}: {error}"[:500], run.located.after)
    return StepResult("done", f"{name} = {value}"[:500], run.located.after)


def _assign(run: StepRun) -> StepResult:
    set_owner(run.customer, int(run.step["agent_id"]))
    return StepResult("done", f"owner {run.step['agent_id']}", run.located.after)


def _notify(run: StepRun) -> StepResult:
    agent_id = int(run.step.get("agent_id") or 0) or run.customer.owner_id
    if agent_id is None:
        return StepResult("skipped", "the customer has no rep", run.located.after)
    text = f"{run.step['text']} ({run.customer.display_name})"
    key = f"workflow:{run.enrolment.id}:{run.step['id']}"
    notify = run.ports.notify_rep
    run.uow.after_commit(lambda: notify(agent_id, text, key))
    return StepResult("done", f"rep {agent_id}", run.located.after)


def _branch(run: StepRun) -> StepResult:
    condition = str(run.step["condition"])
    holds = customer_matches(run.uow.session, run.customer.id, condition, run.ports, run.now)
    arm = "yes" if holds else "no"
    return StepResult(arm, condition, first_step(run.step.get(arm) or [], run.located.after))


STEP_RUNNERS: dict[str, Callable[[StepRun], StepResult]] = {
    "wait": _wait,
    "email": _email,
    "tag": _tag,
    "field": _field,
    "assign": _assign,
    "notify": _notify,
    "branch": _branch,
}
