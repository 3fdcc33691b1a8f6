"""Slack notices the desk sends on its own: the rating question after a request is solved,
and DMs to reps about their customers (`notify_rep`, also for the SLA's breach events).

Each is keyed (see `channels.slack.posts`), so a job that runs twice posts once; without
the Slack channel configured they do nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels.slack import SlackAdapter
from channels.slack.blocks import rating_blocks
from channels.slack.events import conversation_of
from channels.slack.notify import direct_message
from servicedesk.desk.models import Agent, Direction, ServiceRequest, Status

if TYPE_CHECKING:
    from channels.registry import AdapterRegistry
    from crm_core.db import UnitOfWork


def _slack(adapters: AdapterRegistry) -> SlackAdapter | None:
    adapter = adapters.get("slack") if "slack" in adapters else None
    return adapter if isinstance(adapter, SlackAdapter) and adapter.posts is not None else None


def ask_rating(uow: UnitOfWork, adapters: AdapterRegistry, request_id: int) -> bool:
    """Post the Block Kit rating question in a solved Slack request's thread, once per solve."""
    slack = _slack(adapters)
    request = uow.session.get(ServiceRequest, request_id)
    if slack is None or slack.posts is None or request is None or request.status != Status.SOLVED:
        return False
    inbound = [m for m in request.messages if m.direction == Direction.INBOUND]
    if not inbound or inbound[-1].channel != "slack" or not request.thread_key:
        return False
    channel, thread_ts = conversation_of(request.thread_key)
    solved = int(request.solved_at.timestamp()) if request.solved_at else 0
    slack.posts.post(
        f"rating:{request.id}:{solved}",
        channel,
        f"We marked {request.reference} as solved. How did we do?",
        thread_ts=thread_ts,
        blocks=rating_blocks(request.reference, request.id),
    )
    return True


def notify_rep(
    uow: UnitOfWork, adapters: AdapterRegistry, agent_id: int, text: str, key: str
) -> bool:
    """DM a desk user on Slack once per `key` (e.g. `sla-breach:<request>:<agent>`).

    False when Slack is off, the user is inactive or has no Slack account we can find.
    """
    slack = _slack(adapters)
    agent = uow.session.get(Agent, agent_id)
    if slack is None or agent is None or not agent.is_active:
        return False
    return direct_message(slack, agent_id=agent.id, agent_email=agent.email, key=key, text=text)


def owner_of(request: ServiceRequest) -> int | None:
    """The rep who owns the request's customer, or their organisation."""
    customer = request.customer
    if customer.owner_id is not None:
        return customer.owner_id
    return customer.organization.owner_id if customer.organization else None


def notify_owner_of_sla(
    uow: UnitOfWork, adapters: AdapterRegistry, request_id: int, text: str, key: str
) -> bool:
    """DM the customer's rep about an SLA warning or breach; False when there is none."""
    if _slack(adapters) is None:
        return False
    request = uow.session.get(ServiceRequest, request_id)
    owner_id = owner_of(request) if request is not None else None
    if owner_id is None:
        return False
    return notify_rep(uow, adapters, owner_id, text, f"{key}:{owner_id}")


def notify_owner(
    uow: UnitOfWork, adapters: AdapterRegistry, request_id: int, base_url: str
) -> bool:
    """Tell the rep who owns the customer (or their organisation) about a new request."""
    if _slack(adapters) is None:
        return False  # no query at all on a desk without Slack
    request = uow.session.get(ServiceRequest, request_id)
    owner_id = owner_of(request) if request is not None else None
    if request is None or owner_id is None:
        return False
    customer = request.customer
    org = f" ({customer.organization.name})" if customer.organization else ""
    text = (
        f"Your customer {customer.display_name}{org} opened {request.reference}: "
        f"{request.subject} <{base_url.rstrip('/')}/console/requests/{request.id}|open it>"
    )
    return notify_rep(uow, adapters, owner_id, text, f"owner:{request.id}:{owner_id}")
