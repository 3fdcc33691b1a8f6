"""What the desk does: every change to a request goes through one of these functions.

Intake (`receive_inbound`) lives in `servicedesk.desk.intake` and is re-exported here.

Each takes a unit of work and plain ids or values, records `RequestEvent`s for the audit
trail, appends domain events to the unit of work, and leaves committing to the caller.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from crm_core.db import UnitOfWork, utcnow
from servicedesk.desk import events
from servicedesk.desk.audit import record
from servicedesk.desk.errors import CustomersDiffer, InvalidChange, NotFound, StaleReply
from servicedesk.desk.intake import REPLY_BY_EMAIL_TAG as REPLY_BY_EMAIL_TAG
from servicedesk.desk.intake import IntakeResult as IntakeResult
from servicedesk.desk.intake import receive_inbound as receive_inbound
from servicedesk.desk.models import (
    Agent,
    DeliveryState,
    Direction,
    Message,
    Presence,
    Priority,
    ServiceRequest,
    Status,
    Team,
)
from servicedesk.desk.routing.corrections import record_correction
from servicedesk.desk.sla.service import refresh_request_sla

MENTION = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.-]+)")


def get_request(uow: UnitOfWork, request_id: int) -> ServiceRequest:
    request = uow.session.get(ServiceRequest, request_id)
    if request is None:
        raise NotFound(f"request {request_id} does not exist")
    return request


def get_agent(uow: UnitOfWork, agent_id: int) -> Agent:
    agent = uow.session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"agent {agent_id} does not exist")
    return agent


def post_reply(
    uow: UnitOfWork,
    request_id: int,
    agent_id: int,
    text: str,
    *,
    html: str | None = None,
    seen_message_id: int | None = None,
    status_after: Status | None = None,
) -> Message:
    """Store an agent's reply for delivery on the request's latest customer channel.

    With `seen_message_id`, the reply is refused (`StaleReply`) when a customer message or
    another agent's reply arrived after the one the agent last saw.
    """
    request = get_request(uow, request_id)
    agent = get_agent(uow, agent_id)
    if not text.strip():
        raise InvalidChange("a reply needs some text")
    if seen_message_id is not None:
        _guard_stale_reply(uow, request, agent_id, seen_message_id)
    reply = _store_reply(uow, request, agent, text, html)
    new_status = status_after or (Status.OPEN if request.status == Status.NEW else None)
    if new_status is not None and new_status != request.status:
        change_status(uow, request.id, new_status, agent_id=agent.id)
    refresh_request_sla(uow.session, request, utcnow())
    uow.events.append(events.ReplyPosted(request.id, reply.id, reply.channel))
    return reply


def _store_reply(
    uow: UnitOfWork, request: ServiceRequest, agent: Agent, text: str, html: str | None
) -> Message:
    """The outbound message waiting for delivery, the first-response time, the audit entry."""
    channel = _reply_channel(request)
    reply = Message(
        request=request,
        direction=Direction.OUTBOUND,
        channel=channel,
        author=agent,
        customer_id=request.customer_id,  # addressed to: the chat widget shows only its own
        text=text,
        html=html,
        # No confirmed address yet (an unverified contact): the mail waits for confirmation.
        delivery_state=DeliveryState.PENDING
        if channel != "email" or _has_email(request)
        else DeliveryState.UNCONFIRMED,
    )
    uow.session.add(reply)
    now = utcnow()
    request.first_response_at = request.first_response_at or now
    request.updated_at = now
    uow.session.flush()
    record(uow.session, request, "replied", "agent", agent, message_id=reply.id)
    return reply


# Customers who wrote through the help centre's form have no inbox there: we answer by email.
REPLY_CHANNEL = {"portal": "email"}


def _reply_channel(request: ServiceRequest) -> str:
    if REPLY_BY_EMAIL_TAG in request.tags and _has_email(request):
        return "email"
    inbound = [m for m in request.messages if m.direction == Direction.INBOUND]
    channel = inbound[-1].channel if inbound else request.channel
    return REPLY_CHANNEL.get(channel, channel)


def _has_email(request: ServiceRequest) -> bool:
    """Whether the customer has a confirmed address (email identities are confirmed ones)."""
    return any(i.kind == "email" for i in request.customer.identities)


def _guard_stale_reply(
    uow: UnitOfWork, request: ServiceRequest, agent_id: int, seen_message_id: int
) -> None:
    query = select(Message.id).where(
        Message.request_id == request.id,
        Message.id > seen_message_id,
        (Message.direction == Direction.INBOUND)
        | ((Message.direction == Direction.OUTBOUND) & (Message.author_id != agent_id)),
    )
    newer = list(uow.session.scalars(query))
    if newer:
        raise StaleReply(newer)


def add_note(uow: UnitOfWork, request_id: int, agent_id: int, text: str) -> Message:
    """An internal note, never sent to the customer; `@name` or `@email` mentions agents."""
    request = get_request(uow, request_id)
    agent = get_agent(uow, agent_id)
    if not text.strip():
        raise InvalidChange("a note needs some text")
    note = Message(
        request=request, direction=Direction.NOTE, channel="internal", author=agent, text=text
    )
    uow.session.add(note)
    request.updated_at = utcnow()
    uow.session.flush()
    mentioned = _mentioned_agents(uow, text)
    record(uow.session, request, "note_added", "agent", agent, message_id=note.id)
    uow.events.append(events.NoteAdded(request.id, note.id, tuple(a.id for a in mentioned)))
    return note


def _mentioned_agents(uow: UnitOfWork, text: str) -> list[Agent]:
    handles = {h.lower() for h in MENTION.findall(text)}
    if not handles:
        return []
    agents = uow.session.scalars(select(Agent).where(Agent.is_active.is_(True)))
    return [
        a for a in agents if a.email.lower() in handles or a.email.split("@")[0].lower() in handles
    ]


def assign_request(
    uow: UnitOfWork,
    request_id: int,
    assignee_id: int | None,
    *,
    team_id: int | None = None,
    agent_id: int | None = None,
    keep_team: bool = True,
) -> ServiceRequest:
    """Give the request to an agent (or nobody) and a team.

    With `keep_team` (the default) a missing `team_id` leaves the team as it is; the
    console's form passes `keep_team=False`, so choosing "no team" clears it.
    """
    request = get_request(uow, request_id)
    actor = get_agent(uow, agent_id) if agent_id is not None else None
    _check_assignable(uow, assignee_id, team_id)
    old = (request.assignee_id, request.team_id)
    request.assignee_id = assignee_id
    request.team_id = request.team_id if team_id is None and keep_team else team_id
    if old == (request.assignee_id, request.team_id):
        return request
    request.updated_at = utcnow()
    _audit_assignment(uow, request, actor, old)
    uow.events.append(events.RequestAssigned(request.id, request.assignee_id, request.team_id))
    return request


def _check_assignable(uow: UnitOfWork, assignee_id: int | None, team_id: int | None) -> None:
    if assignee_id is not None:
        assignee = get_agent(uow, assignee_id)
        if not assignee.is_active:
            raise InvalidChange(f"{assignee.name} is deactivated")
    if team_id is not None and uow.session.get(Team, team_id) is None:
        raise NotFound(f"team {team_id} does not exist")


def _audit_assignment(
    uow: UnitOfWork,
    request: ServiceRequest,
    actor: Agent | None,
    old: tuple[int | None, int | None],
) -> None:
    """The audit entry; an agent overriding the router (or a colleague) teaches the router."""
    record(
        uow.session,
        request,
        "assigned",
        "agent" if actor else "system",
        actor,
        old_assignee=old[0],
        new_assignee=request.assignee_id,
        old_team=old[1],
        new_team=request.team_id,
    )
    if actor is not None and old[0] != request.assignee_id:
        record_correction(
            uow.session, request.id, "assignee", _text(old[0]), _text(request.assignee_id)
        )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def change_status(
    uow: UnitOfWork, request_id: int, status: Status, *, agent_id: int | None = None
) -> ServiceRequest:
    """Move a request to another status; closed is final."""
    request = get_request(uow, request_id)
    if request.status == status:
        return request
    if request.status == Status.CLOSED:
        raise InvalidChange(f"{request.reference} is closed; a new message opens a follow-up")
    actor = get_agent(uow, agent_id) if agent_id is not None else None
    old = request.status
    request.status = status
    request.solved_at = utcnow() if status == Status.SOLVED else request.solved_at
    request.updated_at = utcnow()
    record(
        uow.session,
        request,
        "status_changed",
        "agent" if actor else "system",
        actor,
        old=old,
        new=status,
    )
    refresh_request_sla(uow.session, request, utcnow())
    uow.events.append(events.RequestUpdated(request.id, ("status",)))
    if status == Status.SOLVED:
        uow.events.append(events.RequestSolved(request.id))
    return request


def update_request(
    uow: UnitOfWork,
    request_id: int,
    agent_id: int | None,
    *,
    priority: Priority | None = None,
    category: str | None = None,
    tags: list[str] | None = None,
) -> ServiceRequest:
    """Change priority, category or tags; each change is audited.

    Without `agent_id` the change is the system's (automation): it teaches the router nothing.
    """
    request = get_request(uow, request_id)
    agent = get_agent(uow, agent_id) if agent_id is not None else None
    changes = {
        name: (getattr(request, name), value)
        for name, value in (("priority", priority), ("category", category), ("tags", tags))
        if value is not None and getattr(request, name) != value
    }
    for name, (old, new) in changes.items():
        setattr(request, name, new)
        actor = "agent" if agent else "system"
        record(uow.session, request, f"{name}_changed", actor, agent, old=old, new=new)
        if agent is not None and name in {"category", "priority"}:
            record_correction(uow.session, request.id, name, _text(old), _text(new))
    if changes:
        request.updated_at = utcnow()
        refresh_request_sla(uow.session, request, request.updated_at)
        uow.events.append(events.RequestUpdated(request.id, tuple(changes)))
    return request


def merge_requests(
    uow: UnitOfWork,
    source_id: int,
    target_id: int,
    *,
    agent_id: int,
    confirm_customers: bool = False,
) -> ServiceRequest:
    """Move every message of `source` onto `target` and close `source` as merged.

    Requests of two different customers merge only with `confirm_customers`: the
    target's customer reads the whole conversation (the chat widget replays it), so
    without it `CustomersDiffer` names both customers for the agent to confirm.
    """
    if source_id == target_id:
        raise InvalidChange("a request cannot be merged into itself")
    source, target = get_request(uow, source_id), get_request(uow, target_id)
    agent = get_agent(uow, agent_id)
    _check_mergeable(source, target, confirm_customers)
    for message in list(source.messages):
        message.request = target
    source.merged_into_id = target.id
    source.status = Status.CLOSED
    target.updated_at = utcnow()
    record(uow.session, source, "merged_into", "agent", agent, target=target.reference)
    across = source.customer_id != target.customer_id  # recorded: the agent confirmed it
    record(
        uow.session,
        target,
        "merged_from",
        "agent",
        agent,
        source=source.reference,
        across_customers=across,
    )
    uow.session.flush()
    for changed in (source, target):  # the target keeps the earliest promise: its messages
        refresh_request_sla(uow.session, changed, target.updated_at)
    uow.events.append(events.RequestsMerged(source.id, target.id))
    return target


def _check_mergeable(
    source: ServiceRequest, target: ServiceRequest, confirm_customers: bool
) -> None:
    if target.merged_into_id is not None:
        raise InvalidChange(f"{target.reference} was itself merged; merge into its target")
    if source.customer_id != target.customer_id and not confirm_customers:
        raise CustomersDiffer(
            source.reference,
            _customer_label(source),
            target.reference,
            _customer_label(target),
        )


def _customer_label(request: ServiceRequest) -> str:
    customer = request.customer
    email = customer.email
    name = customer.name or f"customer {customer.id}"
    return f"{name} <{email}>" if email else name


def set_presence(uow: UnitOfWork, agent_id: int, presence: Presence) -> bool:
    """Store an agent's presence; True when it changed (coming online frees queued work)."""
    agent = get_agent(uow, agent_id)
    if agent.presence == presence:
        return False
    agent.presence = presence
    agent.presence_changed_at = utcnow()
    uow.events.append(events.PresenceChanged(agent.id, presence.value))
    return True


def set_capacity(uow: UnitOfWork, agent_id: int, capacity: int) -> Agent:
    """Change how many open requests an agent may hold; raising it frees queued work."""
    if capacity < 0:
        raise InvalidChange("capacity: zero or more requests")
    agent = get_agent(uow, agent_id)
    if agent.capacity != capacity:
        agent.capacity = capacity
        uow.events.append(events.CapacityChanged(agent.id))
    return agent
