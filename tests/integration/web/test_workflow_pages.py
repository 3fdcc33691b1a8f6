"""Workflow pages: marketing and admin only, saved through the CSRF-protected form and
checked by the server (errors name the step and field), activated and paused, and the
workflow page's enrolments and step counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.workflows.models import Workflow, WorkflowStatus
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from tests.integration.web.conftest import csrf_token, sign_in


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite: the engine's SQL runs on both databases in tests/integration/marketing."""
    return f"sqlite:///{tmp_path / 'web.db'}"


@pytest.fixture
def campaign_id(container: Container) -> int:
    with container.uow() as uow:
        create_agent(uow.session, "mia@desk.example", "mia-password", roles=["marketing"])
        create_agent(uow.session, "rhea@desk.example", "rhea-password", roles=["read-only"])
        draft = CampaignDraft(name="Welcome", mails=[MailDraft("A", "Welcome", "Hello")])
        found = save_campaign(uow.session, Viewer.system(), draft).id
        uow.commit()
    return found


def _client(app: Flask, who: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, f"{who}@desk.example", f"{who}-password").status_code == 302
    return client


def _form(page: str, steps: list[dict[str, object]], **extra: object) -> dict[str, object]:
    return {
        "csrf_token": csrf_token(page),
        "name": "Welcome new customers",
        "trigger": "stage_changed",
        "stage": "new",
        "steps": json.dumps(steps),
        "exit_unsubscribed": "y",
        "exit_converted": "y",
        **extra,
    }


def test_only_marketing_and_admin_users_reach_workflows(
    app: Flask, agent_client: FlaskClient, campaign_id: int
) -> None:
    assert agent_client.get("/marketing/workflows").status_code == 403
    reader = _client(app, "rhea")
    assert reader.get("/marketing/workflows").status_code == 403
    assert reader.get("/marketing/workflows/new").status_code == 403
    assert _client(app, "mia").get("/marketing/workflows").status_code == 200
    assert _client(app, "admin").get("/marketing/workflows/new").status_code == 200


def test_a_workflow_is_saved_checked_and_activated(
    app: Flask, container: Container, campaign_id: int
) -> None:
    client = _client(app, "mia")
    page = client.get("/marketing/workflows/new").get_data(as_text=True)
    bad = [
        {"id": "s1", "type": "wait"},
        {"id": "s2", "type": "email", "campaign_id": 999},
    ]
    response = client.post("/marketing/workflows/new", data=_form(page, bad))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "step 1 (wait): days: a wait needs a duration" in text
    assert "step 2 (email): campaign_id: no campaign 999" in text
    no_token = _form(page, bad)
    no_token.pop("csrf_token")
    refused = client.post("/marketing/workflows/new", data=no_token)
    assert refused.status_code == 400
    assert "The CSRF token is missing." in refused.get_data(as_text=True)  # CSRFProtect
    good = [
        {"id": "s1", "type": "tag", "tag": "welcome"},
        {"id": "s2", "type": "wait", "days": 2},
        {"id": "s3", "type": "email", "campaign_id": campaign_id},
    ]
    response = client.post("/marketing/workflows/new", data=_form(page, good))
    assert response.status_code == 302
    with container.uow() as uow:
        saved = uow.session.scalars(select(Workflow)).one()
        assert saved.definition["trigger"] == {"stage": "new"}
        assert [s["type"] for s in saved.definition["steps"]] == ["tag", "wait", "email"]
        assert saved.status == WorkflowStatus.DRAFT
        saved_id = saved.id
    workflow_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nobody enrolled yet." in workflow_page
    token = csrf_token(workflow_page)
    url = f"/marketing/workflows/{saved_id}/status"
    assert client.post(url, data={"status": "active", "csrf_token": token}).status_code == 302
    assert client.post(url, data={"status": "active"}).status_code == 400  # no token
    with container.uow() as uow:
        row = uow.session.get(Workflow, saved_id)
        assert row is not None and row.status == WorkflowStatus.ACTIVE
    editor = client.get(f"/marketing/workflows/{saved_id}/edit").get_data(as_text=True)
    assert "&#34;welcome&#34;" in editor or '"welcome"' in editor
