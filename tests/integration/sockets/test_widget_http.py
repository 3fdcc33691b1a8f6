"""Widget HTTP endpoints: script and client files, upload limits, CSAT, visitor identity."""

from __future__ import annotations

import dataclasses
import io

from flask.testing import FlaskClient
from sqlalchemy import select

from channels.messages import InboundMessage
from channels.webchat import VisitorTokens, to_inbound
from channels.webchat.identity import identify_visitor
from crm_core.customers import find_identity, resolve_identity
from servicedesk.app import create_app
from servicedesk.container import Container
from servicedesk.desk.feedback import RequestRating
from servicedesk.desk.models import Attachment, Status
from servicedesk.desk.operations import change_status, receive_inbound
from tests.integration.sockets.conftest import CHAT_ORIGIN

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def web(container: Container) -> FlaskClient:
    return create_app(container=container).test_client()


def visitor_token(container: Container) -> tuple[str, int]:
    """A visitor with one chat request; returns their token and the request id."""
    tokens = VisitorTokens(container.config.secret_key)
    visitor = tokens.new_visitor()
    message = to_inbound(visitor, {"text": "help", "client_id": "c1"})
    assert isinstance(message, InboundMessage)
    with container.uow() as uow:
        request_id = receive_inbound(uow, message).request_id
        uow.commit()
    return tokens.issue(visitor), request_id


def test_script_and_socket_client_are_served_from_our_origin(container: Container) -> None:
    client = web(container)
    script = client.get("/widget.js")
    assert script.status_code == 200 and b"data-desk" in script.data
    vendored = client.get("/widget/vendor/socket.io.min.js")
    assert vendored.status_code == 200 and b"socket.io" in vendored.data.lower()
    demo = client.get("/widget/demo").get_data(as_text=True)
    assert 'src="/widget.js" data-desk="demo"' in demo


def test_upload_becomes_an_attachment_and_bad_files_are_refused(container: Container) -> None:
    client = web(container)
    token, request_id = visitor_token(container)
    files = {"file": (io.BytesIO(PNG), "screen.png"), "token": token, "client_id": "u1"}
    answer = client.post("/widget/upload", data=files, headers={"Origin": CHAT_ORIGIN})
    assert answer.status_code == 200, answer.json
    assert answer.headers["Access-Control-Allow-Origin"] == CHAT_ORIGIN
    assert answer.json["message"]["request_id"] == request_id
    with container.uow() as uow:
        stored = uow.session.scalars(select(Attachment)).one()
        assert (stored.filename, stored.content_type) == ("screen.png", "image/png")
    html = {"file": (io.BytesIO(b"<script>"), "x.html"), "token": token, "client_id": "u2"}
    assert client.post("/widget/upload", data=html).status_code == 415
    forged = {"file": (io.BytesIO(PNG), "a.png"), "token": token + "x", "client_id": "u3"}
    assert client.post("/widget/upload", data=forged).status_code == 401
    evil = client.post("/widget/upload", data={}, headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in evil.headers


def test_csat_only_after_solved_and_last_click_wins(container: Container) -> None:
    client = web(container)
    token, request_id = visitor_token(container)
    assert client.post("/widget/csat", json={"token": token, "rating": "good"}).status_code == 409
    with container.uow() as uow:
        change_status(uow, request_id, Status.SOLVED)
        uow.commit()
    assert client.post("/widget/csat", json={"token": token, "rating": "meh"}).status_code == 400
    for rating in ("bad", "good"):
        body = {"token": token, "rating": rating, "comment": "quick"}
        assert client.post("/widget/csat", json=body).status_code == 200
    with container.uow() as uow:
        stored = uow.session.scalars(select(RequestRating)).one()
        assert (stored.request_id, stored.score, stored.comment) == (request_id, 1, "quick")
        assert (stored.scale, stored.channel) == ("good_bad", "webchat")


def test_csat_follows_the_desks_one_to_five_scale(container: Container) -> None:
    container.config = dataclasses.replace(container.config, rating_scale="one_to_five")
    client = web(container)
    token, request_id = visitor_token(container)
    with container.uow() as uow:
        change_status(uow, request_id, Status.SOLVED)
        uow.commit()
    assert client.post("/widget/csat", json={"token": token, "rating": "good"}).status_code == 400
    assert client.post("/widget/csat", json={"token": token, "rating": "4"}).status_code == 200
    with container.uow() as uow:
        stored = uow.session.scalars(select(RequestRating)).one()
        assert (stored.score, stored.scale) == (4, "one_to_five")


def test_identifying_names_the_visitor_and_links_no_email(container: Container) -> None:
    with container.uow() as uow:
        known = resolve_identity(uow.session, "email", "ann@example.com", "Ann")
        new_visitor = identify_visitor(uow.session, "v-new", "Bea")
        assert new_visitor.id != known.id and new_visitor.name == "Bea"
        assert new_visitor.emails == []  # an email from the form is only a claim
        identity = find_identity(uow.session, "webchat", "v-new")
        assert identity is not None and identity.customer_id == new_visitor.id
