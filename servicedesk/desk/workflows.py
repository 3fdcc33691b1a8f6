"""What workflows need from the desk: the request-solved trigger, request rules for
branches and exits, and whether an agent a step names exists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from crm_core.campaigns.workflows.definition import References, TriggerKind
from crm_core.campaigns.workflows.enrolment import enrol_for_events
from crm_core.campaigns.workflows.events import MarketingEvent
from crm_core.campaigns.workflows.operations import references
from servicedesk.desk.campaigns import REQUEST_RULES
from servicedesk.desk.models import Agent, ServiceRequest, Status


def enrol_for_solved_request(session: Session, request_id: int, now: datetime) -> list[int]:
    """Enrol the customer of a solved request in the workflows it fires (a job, after
    the `RequestSolved` event: the request may have been reopened meanwhile)."""
    request = session.get(ServiceRequest, request_id)
    if request is None or request.status != Status.SOLVED:
        return []
    detail = {"request": request.reference}
    event = MarketingEvent(TriggerKind.REQUEST_SOLVED, request.customer_id, detail)
    return enrol_for_events(session, [event], now)


def agent_problem(session: Session) -> Callable[[int], str | None]:
    def problem(agent_id: int) -> str | None:
        agent = session.get(Agent, agent_id)
        if agent is None:
            return f"no agent {agent_id}"
        return None if agent.is_active else f"agent {agent.name} is inactive"

    return problem


def workflow_references(session: Session) -> References:
    """The checks a workflow's step ids go through when it is saved."""
    return references(session, agent_problem(session), REQUEST_RULES)
