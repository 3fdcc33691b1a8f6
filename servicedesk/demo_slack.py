"""The demo's Slack conversation: recorded Events API payloads, through the intake door.

The payloads (demo_data/slack_conversation.json) are what Slack sent for a customer's
question in a support channel, her reply in its thread and an edit of that reply. They
are signed here with a throwaway secret and handed to the same door and Slack adapter as
live traffic (without a bot token: nothing is posted back), so a newcomer sees a Slack
request, its thread and the edit history in the console. Loading twice changes nothing.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING

from slack_sdk.signature import SignatureVerifier

from channels.registry import AdapterRegistry
from channels.slack import SlackAdapter, SlackSettings, build_adapter
from servicedesk.desk.accounts import active_agent_id
from servicedesk.desk.door import IntakeDoor, Received
from servicedesk.desk.revisions import revise_message

if TYPE_CHECKING:
    from servicedesk.container import Container

CONVERSATION = Path(__file__).parent / "demo_data" / "slack_conversation.json"
DEMO_CHANNEL = "C0DEMOSUPPORT"


def load_slack_conversation(container: Container) -> list[int]:
    """Receive the recorded conversation; the ids of requests it opened (none the 2nd time)."""
    secret = secrets.token_hex(16)
    settings = SlackSettings(
        signing_secret=secret,
        channels=(DEMO_CHANNEL,),
        attachment_max_bytes=container.config.attachment_max_bytes,
        attachment_max_count=container.config.attachment_max_count,
    )
    adapter = build_adapter(
        settings, container.sessions, container.write_guard.run, active_agent_id, token=None
    )
    adapters = AdapterRegistry()
    adapters.register(adapter)
    door = IntakeDoor(
        container.uow,
        adapters,
        container.write_guard,
        router=container.router,
        attachments=container.attachments,
    )
    opened = []
    for envelope in json.loads(CONVERSATION.read_text(encoding="utf-8")):
        raw = json.dumps(envelope).encode()
        if _record_change(container, adapter, raw):
            continue
        timestamp = str(int(time.time()))
        headers = {
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(
                timestamp=timestamp, body=raw
            ),
        }
        received = door.accept("slack", raw, lambda result: result.outcome, headers=headers)
        if isinstance(received, Received) and received.view == "created":
            opened.append(received.result.request_id)
    return opened


def _record_change(container: Container, adapter: SlackAdapter, raw: bytes) -> bool:
    change = adapter.read_change(raw)
    if change is None:
        return False
    with container.uow() as uow:
        kind = "edited" if change.text is not None else "deleted"
        revise_message(uow, "slack", change.external_id, kind, change.change_key, text=change.text)
        uow.commit()
    return True
