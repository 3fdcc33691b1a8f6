"""Slash commands. Each acknowledges within Slack's 3 seconds, ephemeral unless shared;
`/kb` searches after the acknowledgement and answers through `response_url`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from servicedesk.web.hooks.slack import crm_cards, knowledge_cards, sales, tickets
from servicedesk.web.hooks.slack.callers import REFUSAL, SALES_ROLES, Caller, caller_of
from servicedesk.web.hooks.slack.context import Hook

EPHEMERAL = "ephemeral"
Answer = Callable[[Hook, Caller, str], dict[str, Any]]


def register(app: App, hook: Hook) -> None:
    app.command("/ticket")(_ticket(hook))
    kb_ack, kb_search = _kb(hook)
    app.command("/kb")(ack=kb_ack, lazy=[kb_search])
    app.command("/customer")(_answering(hook, crm_cards.customer, frozenset()))
    app.command("/lead")(_answering(hook, sales.create_lead, SALES_ROLES))
    app.command("/pipeline")(_answering(hook, sales.pipeline, SALES_ROLES))


def _ticket(hook: Hook) -> Callable[..., None]:
    def ticket(ack: Ack, command: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        caller = caller_of(hook, body)
        argument = (command.get("text") or "").strip()
        if caller is None:
            ack(text=REFUSAL, response_type=EPHEMERAL)
        elif argument.lower() == "new":
            ack()
            client.views_open(trigger_id=body["trigger_id"], view=tickets.new_ticket_modal())
        else:
            ack(response_type=EPHEMERAL, **tickets.show_ticket(hook, argument))

    return ticket


def _kb(hook: Hook) -> tuple[Callable[..., None], Callable[..., None]]:
    def kb_ack(ack: Ack, command: dict[str, Any], body: dict[str, Any]) -> None:
        question = (command.get("text") or "").strip()
        if caller_of(hook, body) is None:
            ack(text=REFUSAL, response_type=EPHEMERAL)
        elif not question:
            ack(text=knowledge_cards.USAGE, response_type=EPHEMERAL)
        else:
            ack(
                text=f"Searching the knowledge base for “{question[:200]}”…",
                response_type=EPHEMERAL,
            )

    def kb_search(command: dict[str, Any], body: dict[str, Any], respond: Respond) -> None:
        question = (command.get("text") or "").strip()
        if question and caller_of(hook, body) is not None:
            respond(response_type=EPHEMERAL, **knowledge_cards.results(hook, question))

    return kb_ack, kb_search


def _answering(hook: Hook, answer: Answer, roles: frozenset[str]) -> Callable[..., None]:
    """A command answered in its acknowledgement, for callers with one of `roles` (any
    desk user when empty)."""

    def command(ack: Ack, command: dict[str, Any], body: dict[str, Any]) -> None:
        caller = caller_of(hook, body)
        if caller is None:
            ack(text=REFUSAL, response_type=EPHEMERAL)
        elif roles and not caller.may(roles):
            ack(text="Sorry, this command is for sales reps.", response_type=EPHEMERAL)
        else:
            ack(response_type=EPHEMERAL, **answer(hook, caller, command.get("text") or ""))

    return command
