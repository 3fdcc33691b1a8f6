"""Review cannot be bypassed: edits of published articles wait for a reviewer (issue 18, 5).

Every role is exercised through the real console and help centre: an agent, a reviewer,
an admin, and an anonymous reader. The help centre and the search index keep serving the
approved text until a reviewer approves the pending revision.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from knowledge.embedding import MiniLMEmbedder
from knowledge.models import Article, ArticleStatus
from servicedesk.container import Container
from servicedesk.current import container_of
from servicedesk.desk.accounts import create_agent
from tests.integration.web.conftest import csrf_token, sign_in

OLD_BODY = "Open **Settings** and click *Forgot password*."
NEW_BODY = "Send your card number to quokkapay-support for a refund."


@pytest.fixture
def kb_app(app: Flask, container: Container, embedder: MiniLMEmbedder) -> Flask:
    container.__dict__["embedder"] = embedder  # the session's model, loaded once
    with container.uow() as uow:
        create_agent(uow.session, "rita@desk.example", "rita-password", roles=["reviewer"])
        create_agent(uow.session, "rex@desk.example", "rex-password", roles=["reviewer"])
        uow.commit()
    return app


def client_of(app: Flask, email: str, password: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, password).status_code == 302
    return client


@pytest.fixture
def reviewer(kb_app: Flask) -> FlaskClient:
    return client_of(kb_app, "rita@desk.example", "rita-password")


@pytest.fixture
def admin(kb_app: Flask) -> FlaskClient:
    return client_of(kb_app, "admin@desk.example", "admin-password")


def post(client: FlaskClient, path: str, page: str, **data: str) -> str:
    token = csrf_token(client.get(page).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **data}, follow_redirects=True)
    return response.get_data(as_text=True)


def set_category(client: FlaskClient, name: str, *, review: bool) -> str:
    data = {"name": name, **({"review_required": "y"} if review else {})}
    return post(client, "/console/kb/categories", "/console/kb", **data)


def write_article(client: FlaskClient, **fields: str) -> int:
    token = csrf_token(client.get("/console/kb/new").get_data(as_text=True))
    data = {
        "title": "Reset your password",
        "body": OLD_BODY,
        "locale": "en",
        "visibility": "public",
        "csrf_token": token,
        **fields,
    }
    response = client.post("/console/kb/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/console/kb/(\d+)", response.headers["Location"]).group(1))  # type: ignore[union-attr]


def edit(client: FlaskClient, article_id: int, **fields: str) -> str:
    page = f"/console/kb/{article_id}/edit"
    data = {
        "title": "Reset your password",
        "body": OLD_BODY,
        "locale": "en",
        "visibility": "public",
        **fields,
    }
    return post(client, page, page, **data)


def act(client: FlaskClient, article_id: int, action: str) -> str:
    """Press a workflow button on the article's page, with the revision the page shows."""
    page = client.get(f"/console/kb/{article_id}").get_data(as_text=True)
    seen = re.search(r'name="revision" value="(\d+)"', page)
    data = {"csrf_token": csrf_token(page), "revision": seen.group(1) if seen else ""}
    response = client.post(f"/console/kb/{article_id}/{action}", data=data, follow_redirects=True)
    return response.get_data(as_text=True)


def decide(client: FlaskClient, article_id: int, decision: str, **data: str) -> str:
    page = client.get(f"/console/kb/{article_id}/pending").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version, "no approve/reject form on the pending page"
    data = {"version": version.group(1), **data}
    token = csrf_token(page)
    return client.post(
        f"/console/kb/{article_id}/pending/{decision}",
        data={"csrf_token": token, **data},
        follow_redirects=True,
    ).get_data(as_text=True)


def help_page(app: Flask, article_id: int) -> str:
    reader = app.test_client()  # anonymous
    response = reader.get(f"/help/articles/{article_id}", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def found_by_search(app: Flask, text: str) -> list[int]:
    knowledge = container_of(app).knowledge
    return [
        hit.article_id
        for audience in ("portal", "agent")
        for hit in knowledge.search(text, mode="keyword", audience=audience, log=False).hits
    ]


def article_row(app: Flask, article_id: int) -> Article:
    with container_of(app).uow() as uow:
        article = uow.session.get(Article, article_id)
        assert article is not None
        uow.session.expunge(article)
        return article


def published_by_agent(agent: FlaskClient, **fields: str) -> int:
    article_id = write_article(agent, **fields)
    assert "Published." in act(agent, article_id, "publish")
    return article_id


def test_agent_edit_moving_into_a_review_category_waits_for_a_reviewer(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    # The reproduction of issue 18: the agent's new body went live at once.
    article_id = published_by_agent(agent_client)
    set_category(admin, "Billing", review=True)
    page = edit(agent_client, article_id, body=NEW_BODY, category="Billing")
    assert "Saved as a pending revision" in page
    assert "Your revision is pending review" in page
    assert "quokkapay" not in help_page(kb_app, article_id)
    assert "Forgot password" in help_page(kb_app, article_id)
    assert found_by_search(kb_app, "quokkapay") == []
    assert article_row(kb_app, article_id).category is None

    review_page = reviewer.get(f"/console/kb/{article_id}/pending").get_data(as_text=True)
    assert "+category: Billing" in review_page
    assert "+Send your card number to quokkapay-support" in review_page
    assert "Approved: the revision is live." in decide(reviewer, article_id, "approve")
    assert "quokkapay" in help_page(kb_app, article_id)
    assert article_id in found_by_search(kb_app, "quokkapay")
    article = article_row(kb_app, article_id)
    assert (article.category, article.status) == ("Billing", ArticleStatus.PUBLISHED)


def test_agent_edit_in_a_review_category_stays_pending_until_approved(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = write_article(agent_client, category="Billing")
    act(agent_client, article_id, "submit")
    assert "Published." in act(reviewer, article_id, "publish")
    edit(agent_client, article_id, body=NEW_BODY, category="Billing")
    edit(agent_client, article_id, body=NEW_BODY + " Twice.", category="Billing")
    assert "quokkapay" not in help_page(kb_app, article_id)
    assert "quokkapay" not in agent_client.get(f"/console/kb/{article_id}").get_data(as_text=True)
    decide(reviewer, article_id, "approve")
    assert "quokkapay-support for a refund. Twice." in help_page(kb_app, article_id)
    with container_of(kb_app).uow() as uow:
        article = uow.session.get(Article, article_id)
        assert article is not None
        assert [r.note for r in article.revisions] == ["created", "approved by a reviewer"]


def test_moving_out_publishing_and_moving_back_needs_review(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = write_article(agent_client, category="Billing")
    edit(agent_client, article_id, category="General")  # a draft: not live, changes at once
    assert "Published." in act(agent_client, article_id, "publish")
    edit(agent_client, article_id, body=NEW_BODY, category="Billing")
    assert "quokkapay" not in help_page(kb_app, article_id)
    assert article_row(kb_app, article_id).category == "General"


def test_moving_a_reviewed_article_out_of_its_category_needs_review(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = write_article(agent_client, category="Billing")
    act(agent_client, article_id, "submit")
    act(reviewer, article_id, "publish")
    edit(agent_client, article_id, body=NEW_BODY, category="")
    assert "quokkapay" not in help_page(kb_app, article_id)
    assert article_row(kb_app, article_id).category == "Billing"


def test_only_reviewers_change_the_article_review_flag(
    kb_app: Flask, agent_client: FlaskClient, reviewer: FlaskClient
) -> None:
    article_id = write_article(agent_client, review_required="y")
    edit(agent_client, article_id)  # the checkbox unticked: the agent may not lower it
    assert article_row(kb_app, article_id).review_required is True
    assert "review required" in act(agent_client, article_id, "publish")
    assert kb_app.test_client().get(f"/help/articles/{article_id}").status_code == 404
    edit(reviewer, article_id)  # a reviewer may
    assert article_row(kb_app, article_id).review_required is False


def test_only_reviewers_and_admins_set_category_review(
    kb_app: Flask, agent_client: FlaskClient, reviewer: FlaskClient, admin: FlaskClient
) -> None:
    token = csrf_token(agent_client.get("/console/kb").get_data(as_text=True))
    forbidden = agent_client.post(
        "/console/kb/categories", data={"name": "Billing", "csrf_token": token}
    )
    assert forbidden.status_code == 403
    assert "Billing: review required" in set_category(reviewer, "Billing", review=True)
    assert "Billing: review not required" in set_category(admin, "Billing", review=False)


def test_archive_reopen_and_restore_of_published_articles_are_for_reviewers(
    kb_app: Flask, agent_client: FlaskClient, reviewer: FlaskClient
) -> None:
    article_id = published_by_agent(agent_client)
    edit(agent_client, article_id, body=NEW_BODY)  # no review needed here: live at once
    assert "quokkapay" in help_page(kb_app, article_id)
    assert "only reviewers" in act(agent_client, article_id, "revisions/1/restore")
    assert "only reviewers" in act(agent_client, article_id, "archive")
    assert article_row(kb_app, article_id).status is ArticleStatus.PUBLISHED
    act(reviewer, article_id, "revisions/1/restore")
    assert "quokkapay" not in help_page(kb_app, article_id)
    assert "Archived." in act(reviewer, article_id, "archive")
    assert "only reviewers" in act(agent_client, article_id, "reopen")
    assert article_row(kb_app, article_id).status is ArticleStatus.ARCHIVED
    assert "Reopened as a draft." in act(reviewer, article_id, "reopen")


def test_agent_may_archive_and_reopen_a_never_published_draft(
    kb_app: Flask, agent_client: FlaskClient
) -> None:
    article_id = write_article(agent_client)
    assert "Archived." in act(agent_client, article_id, "archive")
    assert "Reopened as a draft." in act(agent_client, article_id, "reopen")


def test_admin_edits_wait_for_another_reviewer_too(
    kb_app: Flask, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = write_article(admin, category="Billing")
    act(admin, article_id, "submit")
    act(reviewer, article_id, "publish")
    edit(admin, article_id, body=NEW_BODY, category="Billing")
    assert "quokkapay" not in help_page(kb_app, article_id)
    own = admin.get(f"/console/kb/{article_id}/pending").get_data(as_text=True)
    assert "Approve and publish" not in own  # nobody reviews their own text
    decide(reviewer, article_id, "approve")
    assert "quokkapay" in help_page(kb_app, article_id)


def test_nobody_approves_their_own_revision_or_without_the_role(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = published_by_agent(agent_client)
    edit(reviewer, article_id, body=NEW_BODY, category="Billing")
    page = agent_client.get(f"/console/kb/{article_id}/pending").get_data(as_text=True)
    token = csrf_token(page)
    for client in (agent_client, reviewer):  # no role; the revision's own author
        client.post(
            f"/console/kb/{article_id}/pending/approve",
            data={"csrf_token": token, "version": "1"},
        )
    anonymous = kb_app.test_client().post(f"/console/kb/{article_id}/pending/approve")
    assert anonymous.status_code in {302, 400, 401}
    assert "quokkapay" not in help_page(kb_app, article_id)
    second = client_of(kb_app, "rex@desk.example", "rex-password")
    decide(second, article_id, "approve")
    assert "quokkapay" in help_page(kb_app, article_id)


def test_a_revision_changed_after_the_reviewer_looked_is_not_approved(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = published_by_agent(agent_client)
    edit(agent_client, article_id, body="A harmless fix.", category="Billing")
    page = reviewer.get(f"/console/kb/{article_id}/pending").get_data(as_text=True)
    edit(agent_client, article_id, body=NEW_BODY, category="Billing")  # swapped meanwhile
    reviewer.post(
        f"/console/kb/{article_id}/pending/approve",
        data={"csrf_token": csrf_token(page), "version": "1"},
    )
    assert "quokkapay" not in help_page(kb_app, article_id)


def test_rejected_revision_leaves_the_article_and_tells_the_author(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = published_by_agent(agent_client)
    edit(agent_client, article_id, body=NEW_BODY, category="Billing")
    assert "Rejected" in decide(reviewer, article_id, "reject", note="Never ask for card numbers.")
    assert "quokkapay" not in help_page(kb_app, article_id)
    page = agent_client.get(f"/console/kb/{article_id}").get_data(as_text=True)
    assert "rejected" in page and "Never ask for card numbers." in page
    assert reviewer.get(f"/console/kb/{article_id}/pending").status_code == 404


def test_pending_revisions_are_listed_for_reviewers(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = published_by_agent(agent_client, title="Card payments")
    edit(agent_client, article_id, title="Card payments", body=NEW_BODY, category="Billing")
    listing = reviewer.get("/console/kb/pending").get_data(as_text=True)
    assert f"/console/kb/{article_id}/pending" in listing and "Card payments" in listing
    edit_page = agent_client.get(f"/console/kb/{article_id}/edit").get_data(as_text=True)
    assert "You are editing the pending revision" in edit_page
    assert "quokkapay-support" in edit_page  # the form continues the pending text


def test_reviewer_publishes_only_the_text_they_saw(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = write_article(agent_client, category="Billing")
    act(agent_client, article_id, "submit")
    page = reviewer.get(f"/console/kb/{article_id}").get_data(as_text=True)
    edit(agent_client, article_id, body=NEW_BODY, category="Billing")  # swapped meanwhile
    stale = {"csrf_token": csrf_token(page), "revision": "1"}
    reviewer.post(f"/console/kb/{article_id}/publish", data=stale)
    assert article_row(kb_app, article_id).status is ArticleStatus.IN_REVIEW
    assert "Published." in act(reviewer, article_id, "publish")  # after reading it again


def test_a_reviewer_who_wrote_part_of_a_draft_does_not_publish_it(
    kb_app: Flask, agent_client: FlaskClient, admin: FlaskClient, reviewer: FlaskClient
) -> None:
    set_category(admin, "Billing", review=True)
    article_id = write_article(agent_client, category="Billing")
    edit(reviewer, article_id, body=NEW_BODY, category="Billing")
    act(agent_client, article_id, "submit")
    assert "cannot review their own" in act(reviewer, article_id, "publish")
    second = client_of(kb_app, "rex@desk.example", "rex-password")
    assert "Published." in act(second, article_id, "publish")


def test_a_category_can_be_cleared(kb_app: Flask, agent_client: FlaskClient) -> None:
    article_id = write_article(agent_client, category="Tips")
    edit(agent_client, article_id, category="")
    assert article_row(kb_app, article_id).category is None
