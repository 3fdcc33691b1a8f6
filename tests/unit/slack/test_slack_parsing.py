"""Reading Slack payloads and checking their signatures, without a database or network."""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk.signature import SignatureVerifier

from channels.base import Ignored, Rejected
from channels.slack.adapter import SlackAdapter, SlackSettings
from channels.slack.events import (
    SlackMessage,
    conversation_of,
    read_change,
    read_envelope,
    read_message,
)

SUPPORT = ("CSUPPORT",)


def envelope(**event: object) -> dict[str, object]:
    base = {"type": "message", "channel": "CSUPPORT", "user": "U1", "text": "hi", "ts": "1.000100"}
    return {
        "type": "event_callback",
        "team_id": "T1",
        "event_id": "Ev1",
        "event": {**base, **event},
    }


def test_a_top_level_message_is_its_own_thread_and_a_reply_joins_its_parent() -> None:
    top = read_message(envelope(), SUPPORT)
    assert isinstance(top, SlackMessage)
    assert (top.external_id, top.thread_key, top.thread_ts) == (
        "CSUPPORT:1.000100",
        "CSUPPORT:1.000100",
        None,
    )
    reply = read_message(envelope(ts="2.000200", thread_ts="1.000100"), SUPPORT)
    assert isinstance(reply, SlackMessage) and reply.thread_key == "CSUPPORT:1.000100"
    dm = read_message(envelope(channel="D1", channel_type="im", thread_ts="1.0"), SUPPORT)
    assert isinstance(dm, SlackMessage) and dm.thread_key == "D1"
    assert conversation_of("CSUPPORT:1.000100") == ("CSUPPORT", "1.000100")
    assert conversation_of("D1") == ("D1", None)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"bot_id": "B1"}, Ignored),
        ({"subtype": "bot_message"}, Ignored),
        ({"subtype": "channel_join"}, Ignored),
        ({"channel": "CRANDOM"}, Ignored),
        ({"type": "reaction_added"}, Ignored),
        ({"user": None}, Rejected),
        ({"text": 5}, Rejected),
        ({"files": "nope"}, Rejected),
    ],
)
def test_what_is_not_a_customer_message(event: dict[str, object], expected: type) -> None:
    assert isinstance(read_message(envelope(**event), SUPPORT), expected)


def test_edits_deletions_and_non_edits() -> None:
    edited = envelope(
        subtype="message_changed",
        message={"ts": "1.000100", "text": "new", "edited": {"ts": "3.0"}},
        previous_message={"ts": "1.000100", "text": "old"},
    )
    change = read_change(edited)
    assert change is not None and (change.external_id, change.text, change.change_key) == (
        "CSUPPORT:1.000100",
        "new",
        "edited:3.0",
    )
    # A thread reply bumps the parent's reply count: same words, not an edit.
    bump = envelope(
        subtype="message_changed",
        message={"ts": "1.0", "text": "hi"},
        previous_message={"text": "hi"},
    )
    assert read_change(bump) is None
    deleted = read_change(envelope(subtype="message_deleted", deleted_ts="1.000100", ts="4.0"))
    assert deleted is not None and deleted.text is None and deleted.change_key == "deleted:4.0"
    assert read_change(envelope()) is None


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[]", b'{"type": "url_verification"}', b'{"type": "event_callback"}']
)
def test_envelopes_that_are_not_events_are_rejected(raw: bytes) -> None:
    assert isinstance(read_envelope(raw), Rejected)


def test_verify_checks_the_signature_and_the_age() -> None:
    adapter = SlackAdapter(SlackSettings("secret", SUPPORT, 100, 1), None, None, None, None)  # type: ignore[arg-type]
    body = json.dumps(envelope()).encode()
    now = int(time.time())

    def headers(ts: int, secret: str = "secret") -> dict[str, str]:
        signature = SignatureVerifier(secret).generate_signature(timestamp=str(ts), body=body)
        return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature}

    assert adapter.verify(headers(now), body)
    assert adapter.verify({k.lower(): v for k, v in headers(now).items()}, body)
    assert not adapter.verify(headers(now, "other"), body)
    assert not adapter.verify(headers(now - 301), body)
    assert not adapter.verify(headers(now + 301), body)
    assert not adapter.verify(headers(now), body + b" ")
    assert not adapter.verify({}, body)
