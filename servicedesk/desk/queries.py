"""Read-side queries for the console: inbox lists with filters, counts, a request's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from crm_core.customers import Customer
from servicedesk.desk.models import (
    OPEN_STATUSES,
    Agent,
    Message,
    Priority,
    ServiceRequest,
    Status,
    Team,
    parse_reference,
)

VIEWS = ("mine", "unassigned", "teams", "all")


@dataclass(frozen=True)
class InboxFilter:
    """What the agent asked to see; every field is optional."""

    view: str = "all"
    status: str | None = None
    priority: str | None = None
    channel: str | None = None
    category: str | None = None
    assignee_id: int | None = None
    text: str | None = None
    include_closed: bool = False
    # SLA: only requests due (or overdue) before this moment; sort "due" puts the nearest first.
    due_before: datetime | None = None
    sort: str = "urgency"


def inbox_query(flt: InboxFilter, agent_id: int, team_ids: list[int]) -> Select[ServiceRequest]:
    """Requests matching the filter, most urgent then oldest update first."""
    query = select(ServiceRequest).where(ServiceRequest.merged_into_id.is_(None))
    if flt.view == "mine":
        query = query.where(ServiceRequest.assignee_id == agent_id)
    elif flt.view == "unassigned":
        query = query.where(ServiceRequest.assignee_id.is_(None))
    elif flt.view == "teams":
        query = query.where(ServiceRequest.team_id.in_(team_ids or [-1]))
    if flt.status:
        query = query.where(ServiceRequest.status == Status(flt.status))
    elif not flt.include_closed:
        query = query.where(ServiceRequest.status.in_(OPEN_STATUSES))
    for column, value in (
        (ServiceRequest.priority, flt.priority and Priority(flt.priority)),
        (ServiceRequest.channel, flt.channel),
        (ServiceRequest.category, flt.category),
        (ServiceRequest.assignee_id, flt.assignee_id),
    ):
        if value:
            query = query.where(column == value)
    if flt.text:
        query = query.where(_text_match(flt.text))
    if flt.due_before is not None:
        query = query.where(ServiceRequest.sla_due_at <= flt.due_before)
    return query


def _text_match(text: str) -> ColumnElement[bool]:
    """Reference, subject, customer or message text; LIKE keeps it portable across databases."""
    request_id = parse_reference(text)
    pattern = f"%{text.strip().replace('%', '').replace('_', '')}%"
    in_messages = select(Message.request_id).where(Message.text.ilike(pattern))
    in_customers = select(Customer.id).where(
        or_(Customer.name.ilike(pattern), Customer.email.ilike(pattern))
    )
    clauses: list[ColumnElement[bool]] = [
        ServiceRequest.subject.ilike(pattern),
        ServiceRequest.id.in_(in_messages),
        ServiceRequest.customer_id.in_(in_customers),
    ]
    if request_id is not None:
        clauses.append(ServiceRequest.id == request_id)
    return or_(*clauses)


def list_requests(
    session: Session, flt: InboxFilter, agent_id: int, limit: int = 100
) -> list[ServiceRequest]:
    team_ids = _team_ids(session, agent_id)
    most_urgent_first = case({p: -p.rank for p in Priority}, value=ServiceRequest.priority)
    order = [most_urgent_first, ServiceRequest.updated_at.desc()]
    if flt.sort == "due":
        order.insert(0, ServiceRequest.sla_due_at.is_(None))  # no SLA due time: last
        order.insert(1, ServiceRequest.sla_due_at.asc())
    query = (
        inbox_query(flt, agent_id, team_ids)
        .options(selectinload(ServiceRequest.customer), selectinload(ServiceRequest.assignee))
        .order_by(*order)
        .limit(limit)
    )
    return list(session.scalars(query))


def view_counts(session: Session, agent_id: int) -> dict[str, int]:
    """Open requests per inbox view, for the sidebar."""
    team_ids = _team_ids(session, agent_id)
    counts = {}
    for view in VIEWS:
        query = inbox_query(InboxFilter(view=view), agent_id, team_ids)
        counts[view] = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return counts


def _team_ids(session: Session, agent_id: int) -> list[int]:
    agent = session.get(Agent, agent_id)
    return [t.id for t in agent.teams] if agent else []


def load_request(session: Session, request_id: int) -> ServiceRequest | None:
    """A request with its messages, attachments, events and customer loaded."""
    query = (
        select(ServiceRequest)
        .where(ServiceRequest.id == request_id)
        .options(
            selectinload(ServiceRequest.messages).selectinload(Message.attachments),
            selectinload(ServiceRequest.messages).selectinload(Message.author),
            selectinload(ServiceRequest.events),
            selectinload(ServiceRequest.customer).selectinload(Customer.identities),
        )
    )
    return session.scalars(query).one_or_none()


def other_requests_of_customer(session: Session, request: ServiceRequest) -> list[ServiceRequest]:
    query = (
        select(ServiceRequest)
        .where(ServiceRequest.customer_id == request.customer_id, ServiceRequest.id != request.id)
        .order_by(ServiceRequest.created_at.desc())
        .limit(20)
    )
    return list(session.scalars(query))


def all_agents(session: Session) -> list[Agent]:
    return list(
        session.scalars(select(Agent).where(Agent.is_active.is_(True)).order_by(Agent.name))
    )


def all_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))
