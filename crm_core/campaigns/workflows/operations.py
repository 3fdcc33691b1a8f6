"""Saving workflows (checked first), starting and pausing them, and their figures."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.campaigns.models import SENDABLE_CHANNELS, Campaign, Variant
from crm_core.campaigns.segments import COMPILERS
from crm_core.campaigns.workflows.definition import (
    References,
    WorkflowInvalid,
    check_definition,
    walk,
)
from crm_core.campaigns.workflows.models import (
    Enrolment,
    EnrolmentStatus,
    StepLog,
    Workflow,
    WorkflowStatus,
)


def references(
    session: Session,
    agent_problem: Callable[[int], str | None],
    rule_fields: Collection[str] = (),
) -> References:
    """Checks of the ids steps name: campaigns here, agents by the desk's `agent_problem`;
    `rule_fields` adds segment fields known above crm_core."""

    def campaign_problem(campaign_id: int) -> str | None:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return f"no campaign {campaign_id}"
        if campaign.channel not in SENDABLE_CHANNELS:
            return f"campaign {campaign.name!r} is not an email campaign"
        has_mail = session.scalar(select(Variant.id).where(Variant.campaign_id == campaign_id))
        return None if has_mail else f"campaign {campaign.name!r} has no mail yet"

    fields = frozenset(COMPILERS) | frozenset(rule_fields)
    return References(campaign=campaign_problem, agent=agent_problem, rule_fields=fields)


def save_workflow(
    session: Session,
    name: str,
    trigger: str,
    definition: Any,
    refs: References,
    now: datetime,
    workflow_id: int | None = None,
) -> Workflow:
    """Create or change a workflow; `WorkflowInvalid` names every problem first."""
    name = name.strip()
    errors = [] if name else ["name: a workflow needs a name"]
    if len(name) > 200:
        errors.append("name: at most 200 characters")
    clash = session.scalar(select(Workflow.id).where(Workflow.name == name))
    if clash is not None and clash != workflow_id:
        errors.append(f"name: {name!r} is taken")
    try:
        cleaned = check_definition(trigger, definition, refs)
    except WorkflowInvalid as error:
        errors += error.errors
    if errors:
        raise WorkflowInvalid(errors)
    workflow = session.get(Workflow, workflow_id) if workflow_id else Workflow(created_at=now)
    if workflow is None:
        raise LookupError(f"no workflow {workflow_id}")
    workflow.name, workflow.trigger, workflow.definition = name, trigger, cleaned
    workflow.updated_at = now
    session.add(workflow)
    session.flush()
    return workflow


def set_status(session: Session, workflow: Workflow, status: WorkflowStatus) -> None:
    """Activate or pause. Paused workflows enrol nobody; their enrolments wait."""
    workflow.status = status
    session.flush()


@dataclass
class WorkflowFigures:
    enrolments: dict[str, int] = field(default_factory=dict)  # by status
    steps: dict[str, dict[str, int]] = field(default_factory=dict)  # step id -> outcome -> n
    waiting_at: dict[str, int] = field(default_factory=dict)  # step id -> active enrolments


def workflow_figures(session: Session, workflow_id: int) -> WorkflowFigures:
    """Enrolments by status, step runs by outcome, and where active enrolments stand."""
    figures = WorkflowFigures()
    by_status = select(Enrolment.status, func.count()).where(Enrolment.workflow_id == workflow_id)
    for status, count in session.execute(by_status.group_by(Enrolment.status)):
        figures.enrolments[str(status)] = int(count)
    by_step = (
        select(StepLog.step_id, StepLog.outcome, func.count())
        .where(StepLog.workflow_id == workflow_id, StepLog.step_id != "")
        .group_by(StepLog.step_id, StepLog.outcome)
    )
    for step_id, outcome, count in session.execute(by_step):
        figures.steps.setdefault(step_id, {})[outcome] = int(count)
    standing = (
        select(Enrolment.step_id, func.count())
        .where(Enrolment.workflow_id == workflow_id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .group_by(Enrolment.step_id)
    )
    for standing_at, count in session.execute(standing):
        figures.waiting_at[str(standing_at)] = int(count)
    return figures


def active_enrolments(session: Session) -> dict[int, int]:
    """How many customers are running through each workflow."""
    query = (
        select(Enrolment.workflow_id, func.count())
        .where(Enrolment.status == EnrolmentStatus.ACTIVE)
        .group_by(Enrolment.workflow_id)
    )
    return {int(workflow_id): int(count) for workflow_id, count in session.execute(query)}


def step_labels(workflow: Workflow) -> list[tuple[str, str, dict[str, Any]]]:
    """(number as shown, step id, step) of every step, in the editor's order."""
    steps = (workflow.definition or {}).get("steps") or []
    return [(located.label, located.step["id"], located.step) for located in walk(steps)]
