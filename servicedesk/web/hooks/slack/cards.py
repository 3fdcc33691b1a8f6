"""Block Kit layouts of the desk's answers in Slack (https://api.slack.com/block-kit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from channels.slack.adapter import escape as escape  # re-exported for the card builders

Block = dict[str, Any]
MAX_SECTION = 3000  # Slack's limit on a section's text


def text(value: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": value[:MAX_SECTION]}}


def context(value: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": value[:MAX_SECTION]}]}


def button(label: str, action_id: str, value: str, *, url: str | None = None) -> Block:
    found: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:75]},
        "action_id": action_id,
        "value": value,
    }
    if url:
        found["url"] = url
    return found


def actions(*buttons: Block, block_id: str | None = None) -> Block:
    found: Block = {"type": "actions", "elements": list(buttons)}
    if block_id:
        found["block_id"] = block_id
    return found


def link(url: str, label: str) -> str:
    return f"<{url}|{escape(label).replace('|', '¦')}>"


def fields(pairs: Iterable[tuple[str, str]]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"[:2000]} for k, v in pairs][:10],
    }


def plain_input(block_id: str, label: str, *, multiline: bool = False, hint: str = "") -> Block:
    element: Block = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def modal(callback_id: str, title: str, blocks: list[Block], metadata: str = "") -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": blocks,
    }


def submitted(view: dict[str, Any], block_id: str) -> str:
    """A modal's text input value ('' when empty)."""
    values = (view.get("state") or {}).get("values") or {}
    value = ((values.get(block_id) or {}).get("value") or {}).get("value")
    return value.strip() if isinstance(value, str) else ""
