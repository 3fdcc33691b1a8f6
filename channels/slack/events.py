"""Reading Slack's Events API payloads: which message events concern the desk, and how.

Shapes follow https://api.slack.com/events/message and its subtypes: a new message has
no subtype (or `file_share`, `thread_broadcast`); a reply carries its parent's
`thread_ts`; `message_changed` wraps the edited message, `message_deleted` names the
deleted one by `deleted_ts`. Our own posts (and every bot's) carry `bot_id`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from channels.base import Ignored, Rejected

# Subtypes that are a person's new message; every other subtype is housekeeping.
NEW_MESSAGE_SUBTYPES = (None, "file_share", "thread_broadcast")
CHANGE_SUBTYPES = ("message_changed", "message_deleted")


@dataclass(frozen=True)
class SlackMessage:
    """A person's new message in a channel the desk listens to, or a DM to the app."""

    workspace: str | None
    channel: str
    user: str
    ts: str
    thread_ts: str | None
    text: str
    direct: bool
    files: tuple[dict[str, Any], ...]

    @property
    def external_id(self) -> str:
        return message_id(self.channel, self.ts)

    @property
    def thread_key(self) -> str:
        # A DM is one conversation with the app; a channel thread is one request.
        return self.channel if self.direct else f"{self.channel}:{self.thread_ts or self.ts}"


@dataclass(frozen=True)
class SlackChange:
    """An edit (`text` set) or a deletion of an earlier message."""

    channel: str
    ts: str
    change_key: str
    text: str | None

    @property
    def external_id(self) -> str:
        return message_id(self.channel, self.ts)


def message_id(channel: str, ts: str) -> str:
    """The desk's provider id of a Slack message: `ts` is unique only within a channel."""
    return f"{channel}:{ts}"


def conversation_of(thread_key: str) -> tuple[str, str | None]:
    """The channel and thread to post in for a request's thread key."""
    channel, _, thread_ts = thread_key.partition(":")
    return channel, thread_ts or None


def read_envelope(raw: bytes) -> dict[str, Any] | Rejected:
    """The `event_callback` envelope, or `Rejected` for anything else."""
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return Rejected("slack: the payload is not JSON")
    if not isinstance(envelope, dict) or envelope.get("type") != "event_callback":
        return Rejected("slack: not an event_callback")
    if not isinstance(envelope.get("event"), dict):
        return Rejected("slack: the envelope has no event")
    return envelope


def read_message(
    envelope: dict[str, Any], channels: tuple[str, ...]
) -> SlackMessage | Ignored | Rejected:
    """A new message the desk should receive, or why not."""
    event = envelope["event"]
    if event.get("type") != "message" or event.get("subtype") not in NEW_MESSAGE_SUBTYPES:
        return Ignored(f"slack: {event.get('type')}/{event.get('subtype')} is not a new message")
    if event.get("bot_id") or event.get("subtype") == "bot_message":
        return Ignored("slack: a bot's message (our own posts included)")
    fields = [event.get(name) for name in ("channel", "user", "ts")]
    if not all(isinstance(value, str) and value for value in fields):
        return Rejected("slack: a message event needs channel, user and ts")
    direct = event.get("channel_type") == "im"
    if not direct and event["channel"] not in channels:
        return Ignored("slack: not a support channel")
    text, files = event.get("text"), event.get("files") or []
    thread_ts = event.get("thread_ts")
    if not isinstance(text, str) or not isinstance(files, list):
        return Rejected("slack: malformed text or files")
    return SlackMessage(
        workspace=envelope.get("team_id"),
        channel=event["channel"],
        user=event["user"],
        ts=event["ts"],
        thread_ts=thread_ts if isinstance(thread_ts, str) and thread_ts != event["ts"] else None,
        text=text,
        direct=direct,
        files=tuple(f for f in files if isinstance(f, dict)),
    )


def read_change(envelope: dict[str, Any]) -> SlackChange | None:
    """An edit or deletion of a message, or None for any other event."""
    event = envelope["event"]
    subtype, channel = event.get("subtype"), event.get("channel")
    if event.get("type") != "message" or subtype not in CHANGE_SUBTYPES:
        return None
    if not isinstance(channel, str):
        return None
    if subtype == "message_deleted":
        deleted = event.get("deleted_ts")
        return (
            SlackChange(channel, deleted, f"deleted:{event.get('ts')}", None) if deleted else None
        )
    edited = event.get("message")
    if not isinstance(edited, dict) or not isinstance(edited.get("ts"), str):
        return None
    text = edited.get("text") if isinstance(edited.get("text"), str) else ""
    if text == (event.get("previous_message") or {}).get("text"):
        return None  # a thread got a reply, a link unfurled: the words did not change
    edit_ts = (edited.get("edited") or {}).get("ts") or event.get("ts")
    return SlackChange(channel, edited["ts"], f"edited:{edit_ts}", text)
