"""The help centre's contact form: deflection first, then a request answered by email."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from knowledge.embedding import MiniLMEmbedder
from knowledge.importing import import_articles
from servicedesk.container import Container
from servicedesk.current import container_of
from servicedesk.desk.models import Direction, ServiceRequest
from servicedesk.desk.operations import post_reply
from tests.integration.web.conftest import csrf_token


@pytest.fixture
def portal(app: Flask, container: Container, embedder: MiniLMEmbedder) -> FlaskClient:
    container.__dict__["embedder"] = embedder
    with container.uow() as uow:
        report = import_articles(
            uow.session,
            [
                {
                    "_id": "returns",
                    "title": "Return a damaged item",
                    "text": "Open the order, choose Return item and we email a prepaid label.",
                }
            ],
        )
        uow.commit()
    container.knowledge.index_articles(report.changed_ids)
    return app.test_client()


def form_data(client: FlaskClient, **fields: str) -> dict[str, str]:
    page = client.get("/help/contact").get_data(as_text=True)
    token = re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', page)
    assert token, "the form carries an idempotency token"
    return {
        "csrf_token": csrf_token(page),
        "token": token.group(1),
        "name": "Li Wei",
        "email": "li.wei@shop.example",
        "subject": "My lamp arrived broken",
        "message": "How can I send the damaged lamp back?",
        **fields,
    }


def test_check_suggests_articles_before_anything_is_sent(portal: FlaskClient, app: Flask) -> None:
    page = portal.post("/help/contact", data=form_data(portal, action="check")).get_data(
        as_text=True
    )
    assert "Return a damaged item" in page
    with container_of(app).uow() as uow:
        assert uow.session.query(ServiceRequest).count() == 0


def test_send_opens_one_request_even_if_submitted_twice(portal: FlaskClient, app: Flask) -> None:
    data = form_data(portal, action="send")
    first = portal.post("/help/contact", data=data).get_data(as_text=True)
    again = portal.post("/help/contact", data=data).get_data(as_text=True)
    reference = re.search(r"<strong>(SR-\d+)</strong>", first)
    assert reference and reference.group(1) in again
    with container_of(app).uow() as uow:
        requests = uow.session.query(ServiceRequest).all()
        assert len(requests) == 1
        agent_id = 1
        reply = post_reply(uow, requests[0].id, agent_id, "We emailed you a label.")
        assert reply.direction == Direction.OUTBOUND
        assert reply.channel == "email"  # portal customers are answered by email


def test_bad_email_is_named(portal: FlaskClient) -> None:
    response = portal.post("/help/contact", data=form_data(portal, email="nope", action="send"))
    assert response.status_code == 400
    assert "email: " in response.get_data(as_text=True)
