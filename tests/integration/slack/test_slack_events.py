"""Events API requests signed as Slack signs them, against the real app and a Web API stub."""

from __future__ import annotations

import json
import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from channels.slack.models import SlackUser
from crm_core.customers import ChannelIdentity, Customer
from servicedesk.app import create_app
from servicedesk.container import Container
from servicedesk.desk.models import Attachment, Message, ServiceRequest
from servicedesk.desk.revisions import MessageRevision
from tests.fixtures.slack_stub import SlackStub
from tests.integration.slack.conftest import (
    SUPPORT,
    message_event,
    post_signed,
    send_event,
    signed_headers,
    slack_config,
)


def count(container: Container, model: type) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_url_verification_answers_the_challenge(client: FlaskClient) -> None:
    body = json.dumps({"token": "t", "challenge": "3eZbrw1aB", "type": "url_verification"})
    response = post_signed(client, body.encode(), "application/json")
    assert response.status_code == 200
    assert "3eZbrw1aB" in response.get_data(as_text=True)


def test_a_bad_signature_or_a_stale_timestamp_is_refused_and_changes_nothing(
    client: FlaskClient, container: Container, stub: SlackStub, caplog
) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps(message_event("Help!", ts="1700000000.000100")).encode()
    forged = {**signed_headers(body, secret="not-the-secret"), "Content-Type": "application/json"}
    assert client.post("/slack/events", data=body, headers=forged).status_code == 401
    stale = {**signed_headers(body, timestamp=int(time.time()) - 6 * 60)}
    stale["Content-Type"] = "application/json"
    assert client.post("/slack/events", data=body, headers=stale).status_code == 401
    unsigned = client.post("/slack/events", data=body, content_type="application/json")
    assert unsigned.status_code == 401
    assert count(container, ServiceRequest) == 0
    assert stub.calls == []
    assert "signature does not verify" in caplog.text and "stale timestamp" in caplog.text


def test_without_token_and_secret_the_endpoint_is_not_there(
    engine: Engine, tmp_path: Path, stub: SlackStub
) -> None:
    config = slack_config(engine, tmp_path, stub, slack_signing_secret=None, slack_bot_token=None)
    app = create_app(container=Container.build(config, synchronous_jobs=True))
    body = json.dumps(message_event("Hello", ts="1700000000.000100")).encode()
    response = app.test_client().post(
        "/slack/events",
        data=body,
        headers={**signed_headers(body), "Content-Type": "application/json"},
    )
    assert response.status_code == 404


def test_a_support_channel_message_opens_a_request_and_its_thread_continues_it(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    top = "1700000000.000100"
    assert send_event(client, message_event("Dashboard shows 502", ts=top)).status_code == 200
    with container.uow() as uow:
        request = uow.session.scalars(select(ServiceRequest)).one()
        assert (request.channel, request.thread_key) == ("slack", f"{SUPPORT}:{top}")
        # Our own workspace's confirmed email: linked to the CRM customer of that address.
        customer = uow.session.get(Customer, request.customer_id)
        assert customer is not None and customer.email == "maria@customer.example"
        kinds = {i.kind.value: i.address for i in customer.identities}
        assert kinds == {"email": "maria@customer.example", "slack": "UCUST"}
        reference = request.reference
    [announced] = stub.called("chat.postMessage")
    assert announced["channel"] == SUPPORT and announced["thread_ts"] == top
    assert reference in announced["text"]

    reply = message_event("Still broken", ts="1700000050.000200", thread_ts=top)
    assert send_event(client, reply).status_code == 200
    with container.uow() as uow:
        texts = [m.text for m in uow.session.scalars(select(Message).order_by(Message.id))]
    assert texts == ["Dashboard shows 502", "Still broken"]
    assert count(container, ServiceRequest) == 1
    assert len(stub.called("chat.postMessage")) == 1  # the reference is posted once
    assert len(stub.called("users.info")) == 1  # cached


def test_retries_of_an_event_create_nothing_twice(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    event = message_event("Login fails", ts="1700000100.000100")
    send_event(client, event)
    assert (
        send_event(
            client, event, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        ).status_code
        == 200
    )
    # The same message under a new event id (Slack re-delivering): deduped by its ts.
    send_event(client, {**event, "event_id": "EvOTHER"})
    assert count(container, ServiceRequest) == 1
    assert count(container, Message) == 1
    assert len(stub.called("chat.postMessage")) == 1


def test_a_dm_to_the_app_opens_a_request_answered_in_the_dm(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    send_event(
        client, message_event("Can I get an invoice copy?", ts="1700000200.000100", channel="DCUST")
    )
    send_event(client, message_event("For March", ts="1700000210.000100", channel="DCUST"))
    with container.uow() as uow:
        request = uow.session.scalars(select(ServiceRequest)).one()
        assert request.thread_key == "DCUST" and len(request.messages) == 2
    [announced] = stub.called("chat.postMessage")
    assert announced["channel"] == "DCUST" and not announced.get("thread_ts")


def test_other_channels_bots_and_housekeeping_are_ignored(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    send_event(client, message_event("random chatter", ts="1700000300.000100", channel="CRANDOM"))
    send_event(client, message_event("I am a bot", ts="1700000301.000100", bot_id="B0BOT"))
    send_event(client, message_event("", ts="1700000302.000100", subtype="channel_join"))
    other = {
        **message_event("x", ts="1700000303.000100"),
        "event": {"type": "reaction_added", "user": "UCUST"},
    }
    assert send_event(client, other).status_code == 200
    assert count(container, ServiceRequest) == 0
    assert stub.called("chat.postMessage") == []


def test_an_outsider_using_an_agents_email_is_neither_linked_nor_an_agent(
    client: FlaskClient, container: Container
) -> None:
    # Gus is in another workspace (a Slack Connect channel) and shows the agent's address.
    send_event(
        client, message_event("hello from a shared channel", ts="1700000400.000100", user="UGUEST")
    )
    with container.uow() as uow:
        request = uow.session.scalars(select(ServiceRequest)).one()
        customer = uow.session.get(Customer, request.customer_id)
        assert customer is not None and customer.email is None
        assert [i.kind.value for i in customer.identities] == ["slack"]
        guest = uow.session.get(SlackUser, "UGUEST")
        assert guest is not None and guest.email is None and guest.agent_id is None


def test_an_unknown_user_still_opens_a_request(client: FlaskClient, container: Container) -> None:
    event = message_event("who am I", ts="1700000500.000100", user="UNOBODY")
    event["event"]["user_profile"] = {"display_name": "Nora"}
    send_event(client, event)
    with container.uow() as uow:
        identity = uow.session.scalars(select(ChannelIdentity)).one()
        assert (identity.kind.value, identity.address, identity.customer.name) == (
            "slack",
            "UNOBODY",
            "Nora",
        )


def test_malformed_payloads_change_nothing(client: FlaskClient, container: Container) -> None:
    for body in (
        b"not json",
        b"[]",
        json.dumps({"type": "event_callback", "event": {"type": "message"}}).encode(),
    ):
        response = post_signed(client, body, "application/json")
        assert response.status_code < 500
    broken = message_event("x", ts="1700000600.000100")
    del broken["event"]["user"]
    assert send_event(client, broken).status_code == 200
    assert count(container, ServiceRequest) == 0


def test_edits_and_deletions_are_recorded_and_the_original_kept(
    client: FlaskClient, container: Container
) -> None:
    ts = "1700000700.000100"
    send_event(client, message_event("My order 123 is late", ts=ts))
    edit = message_event("", ts="1700000760.000100", subtype="message_changed", hidden=True)
    edit["event"].pop("user")
    edit["event"]["message"] = {
        "type": "message",
        "user": "UCUST",
        "text": "My order 124 is late",
        "ts": ts,
        "edited": {"user": "UCUST", "ts": "1700000760.000000"},
    }
    edit["event"]["previous_message"] = {
        "type": "message",
        "user": "UCUST",
        "text": "My order 123 is late",
        "ts": ts,
    }
    send_event(client, edit)
    send_event(client, edit, **{"X-Slack-Retry-Num": "1"})
    delete = message_event(
        "", ts="1700000800.000100", subtype="message_deleted", hidden=True, deleted_ts=ts
    )
    delete["event"].pop("user")
    send_event(client, delete)
    with container.uow() as uow:
        message = uow.session.scalars(select(Message)).one()
        revisions = list(uow.session.scalars(select(MessageRevision).order_by(MessageRevision.id)))
        assert message.text == "My order 124 is late"
        assert [(r.kind, r.previous_text, r.new_text) for r in revisions] == [
            ("edited", "My order 123 is late", "My order 124 is late"),
            ("deleted", "My order 124 is late", None),
        ]


def test_shared_files_become_attachments_within_the_limits(
    engine: Engine, tmp_path: Path, stub: SlackStub
) -> None:
    container = Container.build(
        slack_config(engine, tmp_path, stub, attachment_max_bytes=1000), synchronous_jobs=True
    )
    client = create_app(container=container).test_client()
    stub.files["shot.png"] = b"\x89PNG" + b"0" * 100
    stub.files["huge.bin"] = b"0" * 5000
    files = [
        {
            "id": "F1",
            "name": "shot.png",
            "mimetype": "image/png",
            "size": 104,
            "url_private": f"{stub.url}/files/shot.png",
        },
        {
            "id": "F2",
            "name": "huge.bin",
            "mimetype": "application/octet-stream",
            "size": 5000,
            "url_private": f"{stub.url}/files/huge.bin",
        },
        {"id": "F3", "name": "evil.txt", "size": 3, "url_private": "http://169.254.169.254/latest"},
    ]
    send_event(
        client,
        message_event("see attached", ts="1700000900.000100", subtype="file_share", files=files),
    )
    with container.uow() as uow:
        message = uow.session.scalars(select(Message)).one()
        [kept] = uow.session.scalars(select(Attachment)).all()
        assert (kept.filename, kept.content_type, kept.size) == ("shot.png", "image/png", 104)
        assert "huge.bin: over the 1000 byte limit" in message.text
        assert "evil.txt: no download link" in message.text
    container.engine.dispose()


def test_the_app_is_built_once_per_process(app: Flask, client: FlaskClient) -> None:
    send_event(client, message_event("one", ts="1700001000.000100"))
    first = app.extensions["servicedesk.slack_handler"]
    send_event(client, message_event("two", ts="1700001001.000100"))
    assert app.extensions["servicedesk.slack_handler"] is first
