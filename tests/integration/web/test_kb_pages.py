"""Authoring articles in the console and reading them on the portal, with the real model."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from knowledge.embedding import MiniLMEmbedder
from knowledge.models import Article, ArticleStatus
from servicedesk.container import Container
from servicedesk.current import container_of
from tests.integration.web.conftest import csrf_token, sign_in


@pytest.fixture
def kb_app(app: Flask, container: Container, embedder: MiniLMEmbedder) -> Flask:
    container.__dict__["embedder"] = embedder  # the session's model, loaded once
    return app


def write_article(client: FlaskClient, **fields: str) -> int:
    token = csrf_token(client.get("/console/kb/new").get_data(as_text=True))
    data = {
        "title": "Reset your password",
        "body": "Open **Settings** and click *Forgot password*.",
        "locale": "en",
        "visibility": "public",
        "csrf_token": token,
        **fields,
    }
    response = client.post("/console/kb/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/console/kb/(\d+)", response.headers["Location"]).group(1))  # type: ignore[union-attr]


def act(client: FlaskClient, article_id: int, action: str) -> str:
    """Press a workflow button on the article's page, with the revision the page shows."""
    page = client.get(f"/console/kb/{article_id}").get_data(as_text=True)
    seen = re.search(r'name="revision" value="(\d+)"', page)
    data = {"csrf_token": csrf_token(page), "revision": seen.group(1) if seen else ""}
    response = client.post(f"/console/kb/{article_id}/{action}", data=data, follow_redirects=True)
    return response.get_data(as_text=True)


def portal_titles(client: FlaskClient, query: str) -> str:
    return client.get("/help", query_string={"q": query}).get_data(as_text=True)


def test_draft_is_invisible_until_published(kb_app: Flask, agent_client: FlaskClient) -> None:
    article_id = write_article(agent_client)
    reader = kb_app.test_client()
    assert "Reset your password" not in portal_titles(reader, "forgot my password")
    assert reader.get(f"/help/articles/{article_id}").status_code == 404
    assert "Published." in act(agent_client, article_id, "publish")
    assert "Reset your password" in portal_titles(reader, "forgot my password")
    page = reader.get(f"/help/articles/{article_id}", follow_redirects=True).get_data(as_text=True)
    assert "<strong>Settings</strong>" in page


def test_internal_article_never_reaches_the_portal(
    kb_app: Flask, agent_client: FlaskClient
) -> None:
    article_id = write_article(
        agent_client,
        title="Refund override procedure",
        body="Agents issue manual refunds in the billing admin.",
        visibility="internal",
    )
    act(agent_client, article_id, "publish")
    reader = kb_app.test_client()
    assert "Refund override procedure" not in portal_titles(reader, "manual refund billing admin")
    assert reader.get(f"/help/articles/{article_id}").status_code == 404
    console = agent_client.get("/console/kb", query_string={"q": "manual refund"}).get_data(
        as_text=True
    )
    assert "Refund override procedure" in console


def test_review_needs_a_reviewer_other_than_the_author(
    kb_app: Flask, agent_client: FlaskClient
) -> None:
    article_id = write_article(agent_client, review_required="y")
    assert "review required" in act(agent_client, article_id, "publish")
    act(agent_client, article_id, "submit")
    assert "reviewer role" in act(agent_client, article_id, "publish")
    admin = kb_app.test_client()
    sign_in(admin, "admin@desk.example", "admin-password")
    assert "Published." in act(admin, article_id, "publish")
    with container_of(kb_app).uow() as uow:
        article = uow.session.get(Article, article_id)
        assert article is not None and article.status == ArticleStatus.PUBLISHED


def test_bad_form_names_the_field(kb_app: Flask, agent_client: FlaskClient) -> None:
    token = csrf_token(agent_client.get("/console/kb/new").get_data(as_text=True))
    response = agent_client.post(
        "/console/kb/new",
        data={
            "title": "",
            "body": "x",
            "locale": "english!",
            "visibility": "public",
            "csrf_token": token,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "title: This field is required." in page
    assert "locale: e.g. en or zh" in page


def test_edit_makes_a_revision_that_can_be_diffed_and_restored(
    kb_app: Flask, agent_client: FlaskClient
) -> None:
    article_id = write_article(agent_client)
    token = csrf_token(agent_client.get(f"/console/kb/{article_id}/edit").get_data(as_text=True))
    agent_client.post(
        f"/console/kb/{article_id}/edit",
        data={
            "title": "Reset a forgotten password",
            "body": "Use the reset link.",
            "locale": "en",
            "visibility": "public",
            "csrf_token": token,
        },
    )
    diff = agent_client.get(f"/console/kb/{article_id}/diff?old=1&new=2").get_data(as_text=True)
    assert "-# Reset your password" in diff
    assert "+# Reset a forgotten password" in diff
    act(agent_client, article_id, "revisions/1/restore")
    with container_of(kb_app).uow() as uow:
        article = uow.session.get(Article, article_id)
        assert article is not None
        assert article.title == "Reset your password"
        assert len(article.revisions) == 3


def test_portal_rating_is_counted(kb_app: Flask, agent_client: FlaskClient) -> None:
    article_id = write_article(agent_client)
    act(agent_client, article_id, "publish")
    reader = kb_app.test_client()
    page = reader.get(f"/help/articles/{article_id}", follow_redirects=True)
    token = csrf_token(page.get_data(as_text=True))
    reader.post(f"/help/articles/{article_id}/rate", data={"helpful": "yes", "csrf_token": token})
    assert (
        reader.post(
            f"/help/articles/{article_id}/rate", data={"helpful": "maybe", "csrf_token": token}
        ).status_code
        == 400
    )
    with container_of(kb_app).uow() as uow:
        article = uow.session.get(Article, article_id)
        assert article is not None and article.helpful_count == 1


def test_translation_is_linked_to_its_original(kb_app: Flask, agent_client: FlaskClient) -> None:
    original = write_article(agent_client)
    token = csrf_token(
        agent_client.get(f"/console/kb/new?translation_of={original}").get_data(as_text=True)
    )
    response = agent_client.post(
        f"/console/kb/new?translation_of={original}",
        data={
            "title": "重置密码",
            "body": "打开设置 点击忘记密码。",
            "locale": "zh",
            "visibility": "public",
            "csrf_token": token,
        },
    )
    translated = int(response.headers["Location"].rsplit("/", 1)[1])
    page = agent_client.get(f"/console/kb/{original}").get_data(as_text=True)
    assert "zh: 重置密码" in page
    assert "en: Reset your password" in agent_client.get(f"/console/kb/{translated}").get_data(
        as_text=True
    )


def test_category_review_is_set_by_admins_and_enforced(
    kb_app: Flask, agent_client: FlaskClient
) -> None:
    token = csrf_token(agent_client.get("/console/kb").get_data(as_text=True))
    forbidden = agent_client.post(
        "/console/kb/categories",
        data={"name": "Legal", "review_required": "y", "csrf_token": token},
    )
    assert forbidden.status_code == 403
    admin = kb_app.test_client()
    sign_in(admin, "admin@desk.example", "admin-password")
    token = csrf_token(admin.get("/console/kb").get_data(as_text=True))
    admin.post(
        "/console/kb/categories",
        data={"name": "Legal", "review_required": "y", "csrf_token": token},
    )
    article_id = write_article(agent_client, category="Legal")
    assert "review required" in act(agent_client, article_id, "publish")


def test_agent_rating_is_recorded(kb_app: Flask, agent_client: FlaskClient) -> None:
    article_id = write_article(agent_client)
    token = csrf_token(agent_client.get(f"/console/kb/{article_id}").get_data(as_text=True))
    agent_client.post(
        f"/console/kb/{article_id}/rate",
        data={"helpful": "no", "comment": "outdated", "csrf_token": token},
    )
    with container_of(kb_app).uow() as uow:
        article = uow.session.get(Article, article_id)
        assert article is not None and article.unhelpful_count == 1
