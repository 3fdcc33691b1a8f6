"""The resource library pages: roles, CSRF, uploads and downloads, versions, the sanitised
preview, usage counts, the signed link, and search (console yes, help centre never)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_core.campaigns.models import Variant
from crm_core.campaigns.resources.models import Resource
from crm_core.campaigns.resources.usage import link_token
from knowledge.articles import create_article, publish_article
from knowledge.drafts import ArticleDraft
from knowledge.embedding import MiniLMEmbedder
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from tests.integration.resources.helpers import PDF
from tests.integration.web.conftest import csrf_token, signed_in

KEYWORD = "Quokkafleet"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the library's SQL is tested on both databases in tests/integration/resources."""
    return f"sqlite:///{tmp_path / 'web.db'}"


@pytest.fixture
def container(engine: Engine, tmp_path: Path, embedder: MiniLMEmbedder) -> Iterator[Container]:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret",
        testing=True,
    )
    built = Container.build(config, synchronous_jobs=True)
    built.__dict__["embedder"] = embedder  # the session's model, loaded once
    with built.uow() as uow:
        for who, role in (("mia", "marketing"), ("rhea", "read-only"), ("sam", "sales")):
            create_agent(uow.session, f"{who}@desk.example", f"{who}-password", roles=[role])
        uow.commit()
    yield built
    built.engine.dispose()


def _create(client: FlaskClient, **fields) -> int:  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/marketing/resources/new").get_data(as_text=True))
    response = client.post(
        "/marketing/resources/new",
        data={"csrf_token": token, **fields},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _paper(client: FlaskClient) -> int:
    return _create(
        client,
        kind="white_paper",
        title=f"{KEYWORD} routing white paper",
        description=f"How {KEYWORD} routes every channel into one queue.",
        tags="routing, omnichannel",
        file=(io.BytesIO(PDF), "paper.pdf"),
    )


def test_marketing_changes_the_library_and_every_console_role_reads_it(
    app: Flask, agent_client: FlaskClient
) -> None:
    marketer = signed_in(app, "mia")
    resource_id = _paper(marketer)
    page = f"/marketing/resources/{resource_id}"
    for reader in (agent_client, signed_in(app, "sam"), signed_in(app, "rhea")):
        assert KEYWORD in reader.get("/marketing/resources").get_data(as_text=True)
        assert reader.get(page).status_code == 200
        assert reader.get("/marketing/resources/new").status_code == 403
        assert reader.get(f"{page}/edit").status_code == 403
        token = csrf_token(reader.get(page).get_data(as_text=True))  # the sign-out form's
        assert reader.post(f"{page}/delete", data={"csrf_token": token}).status_code == 403
    # A form without its CSRF token is refused, even for a marketer.
    assert marketer.post(f"{page}/delete").status_code == 400
    assert 'href="/marketing/resources"' in agent_client.get("/console/kb").get_data(as_text=True)


def test_a_download_is_an_attachment_and_counts(app: Flask, agent_client: FlaskClient) -> None:
    resource_id = _paper(signed_in(app, "mia"))
    response = agent_client.get(f"/marketing/resources/{resource_id}/download")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"] == "attachment; filename=paper.pdf"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        agent_client.get(f"/marketing/resources/{resource_id}/download?version=9").status_code
        == 404
    )
    assert (
        agent_client.get(f"/marketing/resources/{resource_id}/download?version=x").status_code
        == 400
    )
    detail = agent_client.get(f"/marketing/resources/{resource_id}").get_data(as_text=True)
    assert "Uses: 1 · download 1" in detail


def test_the_signed_link_serves_the_file_and_a_forged_one_does_not(
    app: Flask, container: Container
) -> None:
    resource_id = _paper(signed_in(app, "mia"))
    anonymous = app.test_client()
    token = link_token("test-secret", resource_id)
    response = anonymous.get(f"/marketing/r/{token}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert (
        anonymous.get(f"/marketing/r/{link_token('other-secret', resource_id)}").status_code == 404
    )
    assert anonymous.get(f"/marketing/r/{token[:-2]}xx").status_code == 404
    detail = signed_in(app, "mia").get(f"/marketing/resources/{resource_id}").get_data(as_text=True)
    assert "link 1" in detail and f"/marketing/r/{token}" in detail


def test_bad_input_is_refused_naming_the_field(app: Flask) -> None:
    marketer = signed_in(app, "mia")
    token = csrf_token(marketer.get("/marketing/resources/new").get_data(as_text=True))
    paper = {"kind": "white_paper", "title": "x"}
    template = {"kind": "email_template", "title": "x", "subject": "s"}
    cases = [
        ({**paper, "file": (io.BytesIO(b"MZ"), "a.exe")}, "file: .exe is not one of"),
        (paper, "file: choose the file to upload"),
        ({**template, "body_text": "{{ ''.__class__.__mro__ }}"}, "body_text: access to attr"),
        ({"kind": "nonsense", "title": "x"}, "kind: Not a valid choice"),
    ]
    for fields, message in cases:
        response = marketer.post(
            "/marketing/resources/new",
            data={"csrf_token": token, **fields},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_template_versions_diff_restore_and_a_sanitised_preview(
    app: Flask, container: Container
) -> None:
    marketer = signed_in(app, "mia")
    html = '<p onclick="steal()">Hi {{ customer.first_name }}</p><script>alert(1)</script>'
    resource_id = _create(
        marketer, kind="email_template", title="Spring mail",
        subject="Spring, {{ customer.first_name }}",
        body_text="Hello {{ customer.first_name }}", body_html=html,
    )  # fmt: skip
    page = f"/marketing/resources/{resource_id}"
    detail = marketer.get(page).get_data(as_text=True)
    assert "<p>Hi Kim</p>" in detail  # the preview, rendered with sample values
    assert "<script>alert(1)</script>" not in detail and 'onclick="steal()"' not in detail
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail  # the source, shown as text
    token = csrf_token(marketer.get(f"{page}/edit").get_data(as_text=True))
    edited = {"kind": "email_template", "title": "Spring mail", "subject": "Spring sale",
              "body_text": "Hello {{ customer.first_name }}", "csrf_token": token}  # fmt: skip
    assert marketer.post(f"{page}/edit", data=edited).status_code == 302
    diff = marketer.get(f"{page}/diff?old=1&new=2").get_data(as_text=True)
    assert "-subject: Spring, {{ customer.first_name }}" in diff and "+subject: Spring sale" in diff
    assert (
        marketer.post(f"{page}/versions/1/restore", data={"csrf_token": token}).status_code == 302
    )
    detail = marketer.get(page).get_data(as_text=True)
    assert "3 (current)" in detail and "restored version 1" in detail
    with container.uow() as uow:
        assert uow.session.get(Resource, resource_id).title == "Spring mail"


def test_a_campaign_picks_a_library_template(app: Flask, container: Container) -> None:
    marketer = signed_in(app, "mia")
    _create(
        marketer, kind="email_template", title="Winter mail",
        subject="Winter, {{ customer.first_name }}", body_text="Cold outside",
    )  # fmt: skip
    page = marketer.get("/marketing/campaigns/new").get_data(as_text=True)
    version_id = re.search(r'<option value="(\d+)">Winter mail \(version 1\)', page)
    assert version_id is not None
    response = marketer.post(
        "/marketing/campaigns/new",
        data={"csrf_token": csrf_token(page), "name": "Winter", "channel": "email",
              "segment_id": "0", "template_a": version_id.group(1), "attribution_days": "30",
              "budget": "0", "actual_cost": "0", "ab_sample_percent": "0", "ab_metric": "click",
              "ab_hours": "24"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    with container.uow() as uow:
        variant = uow.session.scalars(select(Variant)).one()
        assert variant.subject == "Winter, {{ customer.first_name }}"
        assert variant.template_version_id == int(version_id.group(1))
    campaign_page = marketer.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "Mail A from the library:" in campaign_page
        and "Winter mail</a>, version 1" in campaign_page
    )
    empty = marketer.post(
        "/marketing/campaigns/new",
        data={"csrf_token": csrf_token(page), "name": "Empty", "channel": "email",
              "segment_id": "0", "template_a": "0", "attribution_days": "30", "budget": "0",
              "actual_cost": "0", "ab_sample_percent": "0", "ab_metric": "click", "ab_hours": "24"},
    )  # fmt: skip
    assert "subject_a: write a subject or pick an email template" in empty.get_data(as_text=True)


def test_the_console_search_finds_a_resource_and_the_help_centre_never_does(
    app: Flask, agent_client: FlaskClient, container: Container
) -> None:
    resource_id = _paper(signed_in(app, "mia"))
    _public_article(container)
    found = agent_client.get(f"/marketing/resources?q={KEYWORD}").get_data(as_text=True)
    assert f'href="/marketing/resources/{resource_id}"' in found
    kb_page = agent_client.get(f"/console/kb?q={KEYWORD}").get_data(as_text=True)
    assert f"{KEYWORD} routing white paper" in kb_page
    # The knowledge base's entry for it leads to the resource's own page.
    entry = re.search(r'href="(/console/kb/\d+)">Quokkafleet routing white paper', kb_page)
    assert entry is not None
    moved = agent_client.get(entry.group(1))
    assert moved.headers["Location"].endswith(f"/marketing/resources/{resource_id}")
    # ... and is never edited as an article (the next version would overwrite it).
    edit = agent_client.post(
        f"{entry.group(1)}/edit", data={"title": "Hijacked", "csrf_token": csrf_token(kb_page)}
    )
    assert edit.status_code == 302 and "/marketing/resources/" in edit.headers["Location"]
    for mode in ("keyword", "semantic", "hybrid"):
        agent = container.knowledge.search(KEYWORD, mode=mode, audience="agent", log=False)
        public = container.knowledge.search(KEYWORD, mode=mode, audience="portal", log=False)
        assert f"resource:{resource_id}" in [hit.key for hit in agent.hits]
        assert not [hit for hit in public.hits if hit.key.startswith("resource:")]
        assert "Public routing guide" in [hit.title for hit in public.hits]
    help_centre = app.test_client().get(f"/help?q={KEYWORD}").get_data(as_text=True)
    assert "Public routing guide" in help_centre  # the search works: it shows public articles
    assert "routing white paper" not in help_centre
    # Deleted: gone from the console's search too.
    marketer = signed_in(app, "mia")
    token = csrf_token(marketer.get(f"/marketing/resources/{resource_id}").get_data(as_text=True))
    marketer.post(f"/marketing/resources/{resource_id}/delete", data={"csrf_token": token})
    after = container.knowledge.search(KEYWORD, mode="keyword", audience="agent", log=False)
    assert not [hit for hit in after.hits if hit.key.startswith("resource:")]
    assert "No resources" in agent_client.get(f"/marketing/resources?q={KEYWORD}").get_data(
        as_text=True
    )


def _public_article(container: Container) -> None:
    with container.uow() as uow:
        draft = ArticleDraft(
            title="Public routing guide", body=f"How {KEYWORD} routing sends requests to teams."
        )
        article = create_article(uow.session, draft)
        publish_article(uow.session, article.id, reviewer_agent_id=None, can_review=True)
        article_id = article.id
        uow.commit()
    container.knowledge.index_article(article_id)
