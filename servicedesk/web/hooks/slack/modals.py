"""Modal submissions: an agent's reply to a request, and a request filed for a customer."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from channels.messages import InboundMessage, Sender
from crm_core.customers import find_identity
from servicedesk.desk.audit import record
from servicedesk.desk.errors import DeskError
from servicedesk.desk.models import Agent, ServiceRequest
from servicedesk.desk.operations import post_reply
from servicedesk.web.hooks.slack import cards
from servicedesk.web.hooks.slack.callers import REFUSAL, caller_of
from servicedesk.web.hooks.slack.context import Hook


def register(app: App, hook: Hook) -> None:
    def reply(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        errors = submit_reply(hook, body, view)
        ack(response_action="errors", errors=errors) if errors else ack()

    def new_ticket(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        errors, reference = file_request(hook, body, view)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text=f"Filed {reference}.")

    app.view("ticket_reply")(reply)
    app.view("ticket_new")(new_ticket)


def submit_reply(hook: Hook, body: dict[str, Any], view: dict[str, Any]) -> dict[str, str]:
    """Post the agent's reply (delivered by the desk's usual job); errors by block id."""
    caller = caller_of(hook, body)
    text = cards.submitted(view, "text")
    metadata = str(view.get("private_metadata") or "")
    if caller is None:
        return {"text": REFUSAL}
    if not text or not metadata.isdigit():
        return {"text": "Please write a reply."}
    with hook.container.uow() as uow:
        try:
            post_reply(uow, int(metadata), caller.agent_id, text)
        except DeskError as error:
            return {"text": str(error)}
        uow.commit()
    return {}


def file_request(
    hook: Hook, body: dict[str, Any], view: dict[str, Any]
) -> tuple[dict[str, str], str]:
    """Open a request for a CRM customer, answered by email; the view id makes a resubmit
    a no-op."""
    caller = caller_of(hook, body)
    email, subject, text = (cards.submitted(view, name) for name in ("customer", "subject", "text"))
    if caller is None:
        return {"customer": REFUSAL}, ""
    with hook.container.uow() as uow:
        identity = find_identity(uow.session, "email", email) if email else None
        found = (identity.address, identity.display_name) if identity else None
    if found is None:
        return {"customer": "No customer with this email in the CRM."}, ""
    if not subject or not text:
        return {"subject" if not subject else "text": "Please fill this in."}, ""
    message = InboundMessage(
        channel="email",
        external_id=f"slack-filed:{view.get('id')}",
        sender=Sender("email", *found),
        subject=subject[:300],
        text=text,
    )
    received = hook.container.intake.receive(message, lambda result: result.reference)
    if received.result.outcome == "created":
        with hook.container.uow() as uow:
            request = uow.session.get(ServiceRequest, received.result.request_id)
            agent = uow.session.get(Agent, caller.agent_id)
            if request is not None:
                record(uow.session, request, "filed_from_slack", "agent", agent)
            uow.commit()
    return {}, received.view
