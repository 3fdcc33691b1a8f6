"""Console input the forms did not expect: unknown ids, oversized numbers, bad choices."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from knowledge.importing import import_articles
from knowledge.models import Article
from servicedesk.current import container_of
from servicedesk.desk.models import Agent, ServiceRequest
from tests.integration.web.conftest import csrf_token, sign_in
from tests.integration.web.test_console import open_request

TOO_BIG = "9" * 20  # past 2**63: SQLite raises OverflowError, PostgreSQL refuses the value


def agent_id(app: Flask, email: str) -> int:
    with container_of(app).uow() as uow:
        found = uow.session.scalars(select(Agent).where(Agent.email == email)).one()
        return found.id


def page_token(client: FlaskClient, request_id: int) -> str:
    return csrf_token(client.get(f"/console/requests/{request_id}").get_data(as_text=True))


def assignee_of(app: Flask, request_id: int) -> int | None:
    with container_of(app).uow() as uow:
        found = uow.session.get(ServiceRequest, request_id)
        assert found is not None
        return found.assignee_id


def test_assign_form_assigns_the_chosen_agent(app: Flask, agent_client: FlaskClient) -> None:
    request_id = open_request(app)
    admin_id = agent_id(app, "admin@desk.example")
    response = agent_client.post(
        f"/console/requests/{request_id}/assign",
        data={
            "assignee_id": str(admin_id),
            "team_id": "",
            "csrf_token": page_token(agent_client, request_id),
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Assignment saved." in response.get_data(as_text=True)
    assert assignee_of(app, request_id) == admin_id


@pytest.mark.parametrize("posted", ["424242", TOO_BIG, "²", "x"])
def test_assign_to_an_unknown_agent_names_the_field(
    app: Flask, agent_client: FlaskClient, posted: str
) -> None:
    request_id = open_request(app)
    response = agent_client.post(
        f"/console/requests/{request_id}/assign",
        data={"assignee_id": posted, "csrf_token": page_token(agent_client, request_id)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "assignee_id: Not a valid choice." in response.get_data(as_text=True)
    assert assignee_of(app, request_id) is None


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("reply", {"text": "hello"}),
        ("note", {"text": "hello"}),
        ("properties", {"status": "open", "priority": "normal"}),
        ("assign", {"assignee_id": ""}),
        ("merge", {"target": "SR-1001"}),
        ("suggestions/articles/1/used", {}),
    ],
)
def test_acting_on_a_missing_request_is_404(
    app: Flask, agent_client: FlaskClient, action: str, data: dict[str, str]
) -> None:
    request_id = open_request(app)
    token = page_token(agent_client, request_id)
    response = agent_client.post(
        f"/console/requests/{request_id + 500}/{action}", data={**data, "csrf_token": token}
    )
    assert response.status_code == 404


def test_missing_request_sends_a_signed_out_visitor_to_sign_in(app: Flask) -> None:
    # A 404 here would let anyone probe which request ids exist.
    response = app.test_client().get("/console/requests/4242/suggestions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    [
        f"/console/requests/{TOO_BIG}",
        f"/console/requests/{TOO_BIG}/suggestions",
        f"/console/kb/{TOO_BIG}",
        f"/console/kb/new?translation_of={TOO_BIG}",
        f"/help/articles/{TOO_BIG}",
    ],
)
def test_oversized_ids_in_urls_are_404(agent_client: FlaskClient, path: str) -> None:
    assert agent_client.get(path).status_code == 404


def test_oversized_numbers_in_query_strings_are_ignored_or_refused(
    app: Flask, agent_client: FlaskClient
) -> None:
    assert agent_client.get(f"/console?assignee={TOO_BIG}").status_code == 200
    assert agent_client.get("/console?assignee=²").status_code == 200
    with container_of(app).uow() as uow:
        import_articles(uow.session, [{"_id": "a", "title": "Shipping", "text": "3 days."}])
        article_id = uow.session.scalars(select(Article.id)).one()
        uow.commit()
    assert agent_client.get(f"/console/kb/{article_id}/diff?old=1&new=²").status_code == 400
    admin = app.test_client()
    sign_in(admin, "admin@desk.example", "admin-password")
    assert admin.get(f"/console/mail/quarantine?page={TOO_BIG}").status_code == 200


def test_oversized_seen_message_id_names_the_field(app: Flask, agent_client: FlaskClient) -> None:
    request_id = open_request(app)
    response = agent_client.post(
        f"/console/requests/{request_id}/reply",
        data={
            "text": "hi",
            "seen_message_id": TOO_BIG,
            "csrf_token": page_token(agent_client, request_id),
        },
        follow_redirects=True,
    )
    assert "seen_message_id: Number must be between 0 and" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/console/kb/4242/publish", {}),
        ("/console/kb/4242/rate", {"helpful": "yes"}),
        ("/console/kb/4242/revisions/1/restore", {}),
        ("/console/router/rules/4242/edit", {"name": "x", "conditions": "channel = email"}),
        ("/console/router/rules/4242/disable", {}),
        ("/console/router/rules/4242/move/up", {}),
    ],
)
def test_acting_on_a_missing_article_or_rule_is_404(
    app: Flask, path: str, data: dict[str, str]
) -> None:
    admin = app.test_client()
    sign_in(admin, "admin@desk.example", "admin-password")
    token = csrf_token(admin.get("/console/router/rules/new").get_data(as_text=True))
    assert admin.post(path, data={**data, "csrf_token": token}).status_code == 404
    assert app.test_client().post(path, data=data).status_code in (302, 400)


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("///evil.test", "/console"),
        ("////evil.test/x", "/console"),
        ("/\\evil.test", "/console"),
        ("/\t/evil.test", "/console"),
        ("/console/kb?q=a", "/console/kb?q=a"),
    ],
)
def test_sign_in_redirects_only_to_paths_on_this_site(
    app: Flask, target: str, landing: str
) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "agent@desk.example", "password": "agent-password", "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == landing
