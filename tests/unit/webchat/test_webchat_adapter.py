"""Visitor tokens, widget payload parsing, the emitting send, and upload checks."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

from channels.base import Rejected
from channels.messages import AttachmentData, InboundMessage, OutboundMessage, Sender
from channels.webchat import Visitor, VisitorTokens, WebchatAdapter, to_inbound, widget_payload
from servicedesk.web.widget.uploads import UploadRefused, checked_upload

VISITOR = Visitor("v-1", "c-1")


def test_token_round_trip_and_tampering() -> None:
    tokens = VisitorTokens("secret")
    visitor = tokens.new_visitor()
    token = tokens.issue(visitor)
    assert tokens.read(token) == visitor
    # Change the signature's first character: every bit of it counts (the last base64
    # character carries padding bits, so changing it can decode to the same bytes).
    head, _, signature = token.rpartition(".")
    forged = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert tokens.read(forged) is None
    assert VisitorTokens("another secret").read(token) is None
    assert tokens.read(None) is None and tokens.read(12) is None


def test_expired_token_is_refused() -> None:
    tokens = VisitorTokens("secret", max_age=-1)
    assert tokens.read(tokens.issue(VISITOR)) is None


def test_payload_becomes_inbound_message_scoped_by_visitor() -> None:
    parsed = to_inbound(VISITOR, {"text": "  Hello  ", "client_id": "abc"}, display_name="Ann")
    assert isinstance(parsed, InboundMessage)
    assert (parsed.channel, parsed.external_id, parsed.thread_key) == ("webchat", "v-1:abc", "c-1")
    assert parsed.sender == Sender("webchat", "v-1", "Ann")
    assert parsed.text == "Hello" and parsed.extra["client_id"] == "abc"


@pytest.mark.parametrize(
    "payload",
    [{"text": "", "client_id": "a"}, {"text": "hi"}, {"text": "x" * 20_001, "client_id": "a"}],
)
def test_bad_payloads_are_rejected(payload: dict[str, Any]) -> None:
    assert isinstance(to_inbound(VISITOR, payload), Rejected)


def test_parse_reads_json_bytes() -> None:
    adapter = WebchatAdapter(lambda *_: None, lambda rid: f"conversation:{rid}")
    raw = b'{"visitor_id": "v-1", "conversation_id": "c-1", "text": "hi", "client_id": "x"}'
    assert isinstance(adapter.parse(raw), InboundMessage)
    assert isinstance(adapter.parse(b"not json"), Rejected)


def test_send_emits_to_the_conversation_room() -> None:
    emitted: list[tuple[str, dict[str, Any], str]] = []
    adapter = WebchatAdapter(lambda *a: emitted.append(a), lambda rid: f"conversation:{rid}")
    outbound = OutboundMessage(
        channel="webchat",
        request_id=7,
        request_reference="SR-1007",
        message_id=42,
        recipient=Sender("webchat", "v-1"),
        text="Hello from us",
        author_name="Alex",
    )
    assert adapter.send(outbound) == "webchat:sr-1007.m42"
    assert emitted == [
        (
            "chat.message",
            {"id": 42, "direction": "outbound", "text": "Hello from us", "author": "Alex"},
            "conversation:7",
        )
    ]


def upload(name: str, content: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name)


def test_upload_limits() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 10
    assert checked_upload(upload("../../shot.png", png), 100).filename == "shot.png"
    with pytest.raises(UploadRefused) as too_big:
        checked_upload(upload("shot.png", png), 5)
    assert too_big.value.status == 413
    for name, content in [
        ("page.html", b"<script>"),
        ("fake.png", b"GIF89a..."),
        ("x.svg", b"<svg/>"),
    ]:
        with pytest.raises(UploadRefused) as refused:
            checked_upload(upload(name, content), 100)
        assert refused.value.status == 415


def test_widget_payload_round_trips_through_parse_with_files() -> None:
    adapter = WebchatAdapter(lambda *_: None, lambda request_id: f"conversation:{request_id}")
    photo = AttachmentData("a.png", "image/png", b"\x89PNG\r\n\x1a\n\0")
    raw = widget_payload(VISITOR, {"text": "", "client_id": "u1"}, name="Ann", attachments=(photo,))
    parsed = adapter.parse(raw)
    assert isinstance(parsed, InboundMessage)
    assert parsed.attachments == (photo,) and parsed.text == "(attachment)"
    assert parsed.live and parsed.sender == Sender("webchat", "v-1", "Ann")


@pytest.mark.parametrize("text", ["x\ud800", "\udfff"])
def test_lone_surrogates_are_rejected(text: str) -> None:
    adapter = WebchatAdapter(lambda *_: None, lambda request_id: f"conversation:{request_id}")
    parsed = adapter.parse(widget_payload(VISITOR, {"text": text, "client_id": "c"}))
    assert parsed == Rejected("a chat message must be valid Unicode text")
