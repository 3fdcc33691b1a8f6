"""`/ticket SR-1234` (a card with Assign to me, Solve, Reply) and `/ticket new` (a modal)."""

from __future__ import annotations

from typing import Any

from servicedesk.desk.models import Direction, ServiceRequest, parse_reference
from servicedesk.desk.queries import load_request
from servicedesk.web.hooks.slack import cards
from servicedesk.web.hooks.slack.context import Hook

USAGE = "Usage: `/ticket SR-1234` shows a request; `/ticket new` files one for a customer."
LAST_MESSAGES = 3


def ticket_card(hook: Hook, request: ServiceRequest) -> list[cards.Block]:
    """Status, priority, assignee, SLA due, the last customer/agent messages, and buttons."""
    url = hook.link(f"/console/requests/{request.id}")
    due = getattr(request, "sla_due_at", None)  # set once the SLA branch adds it
    pairs = [
        ("Status", request.status.value),
        ("Priority", request.priority.value),
        ("Assignee", request.assignee.name if request.assignee else "nobody"),
        ("Customer", cards.escape(request.customer.display_name)),
    ]
    if due is not None:
        pairs.append(("SLA due", f"{due:%Y-%m-%d %H:%M} UTC"))
    blocks = [
        cards.text(f"*{cards.link(url, request.reference)}* {cards.escape(request.subject)}"),
        cards.fields(pairs),
    ]
    # Internal notes never leave the desk, not even to an agent's ephemeral card.
    visible = [m for m in request.messages if m.direction != Direction.NOTE]
    for message in visible[-LAST_MESSAGES:]:
        who = message.author.name if message.author else request.customer.display_name
        blocks.append(cards.context(f"*{cards.escape(who)}*: {cards.escape(message.text[:400])}"))
    value = str(request.id)
    blocks.append(
        cards.actions(
            cards.button("Assign to me", "ticket_assign_me", value),
            cards.button("Solve", "ticket_solve", value),
            cards.button("Reply", "ticket_reply", value),
            block_id="ticket",
        )
    )
    return blocks


def show_ticket(hook: Hook, argument: str) -> dict[str, Any]:
    """The ack payload for `/ticket SR-1234`."""
    request_id = parse_reference(argument)
    if request_id is None:
        return {"text": USAGE}
    with hook.container.uow() as uow:
        request = load_request(uow.session, request_id)
        if request is None:
            return {"text": f"There is no request {argument.upper()}."}
        return {"text": request.reference, "blocks": ticket_card(hook, request)}


def reply_modal(request_id: int, reference: str) -> cards.Block:
    return cards.modal(
        "ticket_reply",
        f"Reply to {reference}",
        [cards.plain_input("text", "Your reply to the customer", multiline=True)],
        metadata=str(request_id),
    )


def new_ticket_modal() -> cards.Block:
    return cards.modal(
        "ticket_new",
        "New request",
        [
            cards.plain_input("customer", "Customer email", hint="A customer in the CRM"),
            cards.plain_input("subject", "Subject"),
            cards.plain_input("text", "What the customer needs", multiline=True),
        ],
    )
