"""Events API listeners: customer messages, their edits and deletions, through the desk's door."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from slack_bolt import Ack, App, BoltRequest
from slack_sdk.errors import SlackApiError

from channels.base import Rejected
from channels.slack.events import conversation_of
from servicedesk.desk.door import Received
from servicedesk.desk.intake import IntakeResult
from servicedesk.desk.revisions import revise_message
from servicedesk.web.hooks.slack.context import Hook

log = logging.getLogger(__name__)


def register(app: App, hook: Hook) -> None:
    def on_message(ack: Ack, request: BoltRequest, body: dict[str, Any]) -> None:
        ack()
        handle_message_event(hook, request.raw_body.encode(), _flat(request.headers), body)

    def on_other(ack: Ack) -> None:
        ack()  # subscribed events we do not use: a 200, so Slack does not retry them

    app.event("message")(on_message)
    app.event(re.compile(".*"))(on_other)


def handle_message_event(
    hook: Hook, raw: bytes, headers: Mapping[str, str], body: dict[str, Any]
) -> None:
    """Receive a message, or record an edit or deletion; each `event_id` once."""
    event_id = str(body.get("event_id") or "")
    events = hook.adapter.events
    if event_id and not events.claim(event_id, "message"):
        log.info(
            "slack: event %s already handled (retry %s)", event_id, headers.get("x-slack-retry-num")
        )
        return
    try:
        _handle(hook, raw, headers)
    except Exception:
        if event_id:
            events.release(event_id)  # Slack retries it, and the retry is handled then
        raise


def _handle(hook: Hook, raw: bytes, headers: Mapping[str, str]) -> None:
    change = hook.adapter.read_change(raw)
    if change is not None:
        with hook.container.uow() as uow:
            kind = "edited" if change.text is not None else "deleted"
            revise_message(
                uow, "slack", change.external_id, kind, change.change_key, text=change.text
            )
            uow.commit()
        return
    outcome = hook.container.intake.accept("slack", raw, _shape, headers=headers)
    if isinstance(outcome, Rejected):
        log.warning("slack: message not received: %s", outcome.reason)
    elif isinstance(outcome, Received) and outcome.view[0] == "created":
        _announce(hook, outcome.result)


def _shape(result: IntakeResult) -> tuple[str, str | None]:
    return result.outcome, result.message.request.thread_key


def _announce(hook: Hook, result: IntakeResult) -> None:
    """Tell the customer, in their thread, which request they opened."""
    thread_key = result.message.request.thread_key
    if not thread_key or hook.adapter.posts is None:
        return
    channel, thread_ts = conversation_of(thread_key)
    where = "in this thread; your replies in it" if thread_ts else "here; your messages here"
    text = (
        f"Thanks, we have your request *{result.reference}*. "
        f"We will answer {where} reach the same request."
    )
    try:
        hook.adapter.posts.post(
            f"opened:{result.request_id}", channel, text, thread_ts=thread_ts or None
        )
    except SlackApiError as error:
        log.warning("slack: could not post the reference of %s: %s", result.reference, error)


def _flat(headers: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {name.lower(): values[0] for name, values in headers.items() if values}
