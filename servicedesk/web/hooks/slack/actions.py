"""Buttons: Assign to me, Solve, Reply (opens a modal), Share an article, and the rating."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from channels.slack.blocks import RATE_BAD, RATE_GOOD
from crm_core.customers import find_identity
from crm_core.db import UnitOfWork
from knowledge.models import Article
from servicedesk.desk.errors import DeskError
from servicedesk.desk.feedback import rate_request
from servicedesk.desk.models import ServiceRequest, Status, format_reference
from servicedesk.desk.operations import assign_request, change_status
from servicedesk.web.hooks.slack import knowledge_cards, tickets
from servicedesk.web.hooks.slack.callers import REFUSAL, caller_of
from servicedesk.web.hooks.slack.context import Hook

EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}
Operation = Callable[[UnitOfWork, int, int], None]


def register(app: App, hook: Hook) -> None:
    app.action("ticket_assign_me")(_desk_change(hook, "assigned to you", _assign))
    app.action("ticket_solve")(_desk_change(hook, "solved", _solve))
    app.action("ticket_reply")(_reply(hook))
    app.action("kb_share")(_share(hook))
    rate = _rate(hook)
    app.action(RATE_GOOD)(rate)
    app.action(RATE_BAD)(rate)
    app.action("customer_open")(_just_ack)


def _just_ack(ack: Ack) -> None:
    ack()  # a URL button: Slack opens the link itself


def _desk_change(hook: Hook, done: str, operation: Operation) -> Callable[..., None]:
    def change(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        respond(**_as_agent(hook, body, action, done, operation))

    return change


def _reply(hook: Hook) -> Callable[..., None]:
    def reply(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        request_id = _request_id(action)
        if caller_of(hook, body) is None or request_id is None:
            respond(text=REFUSAL, **EPHEMERAL)
            return
        view = tickets.reply_modal(request_id, format_reference(request_id))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return reply


def _share(hook: Hook) -> Callable[..., None]:
    def share(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        article_id = _request_id(action)
        if caller_of(hook, body) is None or article_id is None:
            respond(text=REFUSAL, **EPHEMERAL)
            return
        with hook.container.uow() as uow:
            article = uow.session.get(Article, article_id)
            title = article.title if article is not None else None
        if title is not None:
            respond(**knowledge_cards.shared(hook, article_id, title))

    return share


def _rate(hook: Hook) -> Callable[..., None]:
    def rate(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        respond(text=rate_from_slack(hook, body, action), **EPHEMERAL)

    return rate


def _request_id(action: dict[str, Any]) -> int | None:
    value = str(action.get("value") or "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _assign(uow: UnitOfWork, request_id: int, agent_id: int) -> None:
    assign_request(uow, request_id, agent_id, agent_id=agent_id)


def _solve(uow: UnitOfWork, request_id: int, agent_id: int) -> None:
    change_status(uow, request_id, Status.SOLVED, agent_id=agent_id)


def _as_agent(
    hook: Hook, body: dict[str, Any], action: dict[str, Any], done: str, operation: Operation
) -> dict[str, Any]:
    caller = caller_of(hook, body)
    request_id = _request_id(action)
    if caller is None or request_id is None:
        return {"text": REFUSAL, **EPHEMERAL}
    with hook.container.uow() as uow:
        try:
            operation(uow, request_id, caller.agent_id)
        except DeskError as error:
            return {"text": f"Not done: {error}", **EPHEMERAL}
        uow.commit()
    return {"text": f"{format_reference(request_id)} {done}.", **EPHEMERAL}


def rate_from_slack(hook: Hook, body: dict[str, Any], action: dict[str, Any]) -> str:
    """Record the rating through the desk's one rule; only the request's customer may rate."""
    request_id = _request_id(action)
    user_id = (body.get("user") or {}).get("id")
    rating = "good" if action.get("action_id") == RATE_GOOD else "bad"
    if request_id is None or not isinstance(user_id, str):
        return "This rating button is broken; sorry."
    with hook.container.uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        identity = find_identity(uow.session, "slack", user_id)
        if request is None or identity is None or identity.customer_id != request.customer_id:
            return "Only the person who asked can rate this request."
        try:
            rate_request(uow, request_id, rating, None, "slack", rater=user_id)
        except DeskError as error:
            return f"Your rating was not recorded: {error}"
        uow.commit()
    return "Thank you for your rating!"
