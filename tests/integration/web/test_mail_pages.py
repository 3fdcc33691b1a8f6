"""Email administration pages: mailboxes and the quarantine, for admins only."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from channels.email.adapter import EmailAdapter
from channels.email.intake import ingest_raw
from channels.email.models import Mailbox, QuarantinedMail
from channels.email.parser import ParseLimits
from channels.email.secrets import decrypt_password
from servicedesk.container import Container
from servicedesk.desk.models import Team
from tests.integration.web.conftest import csrf_token, sign_in

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
SECRET = "test-secret"  # the container fixture's secret_key


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "admin@desk.example", "admin-password").status_code == 302
    return client


def mailbox_fields(**overrides: str) -> dict[str, str]:
    fields = {
        "name": "Support",
        "host": "imap.desk.example",
        "port": "993",
        "tls": "y",
        "username": "support",
        "password": "s3cret-imap-pw",
        "folder": "INBOX",
        "from_address": "support@desk.example",
        "team_id": "",
        "enabled": "y",
    }
    fields.update(overrides)
    return fields


def post_form(client: FlaskClient, url: str, **overrides: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**mailbox_fields(**overrides), "csrf_token": token})


def stored(container: Container, name: str = "Support") -> Mailbox:
    with container.sessions() as session:
        mailbox = session.scalars(select(Mailbox).where(Mailbox.name == name)).one()
        session.expunge(mailbox)
        return mailbox


def test_pages_are_for_admins_only(app: Flask, agent_client: FlaskClient) -> None:
    for url in (
        "/console/mail/mailboxes",
        "/console/mail/mailboxes/new",
        "/console/mail/quarantine",
    ):
        assert agent_client.get(url).status_code == 403
        anonymous = app.test_client().get(url)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_add_mailbox_stores_the_password_encrypted_and_never_shows_it(
    admin_client: FlaskClient, container: Container
) -> None:
    with container.uow() as uow:
        uow.session.add(Team(name="Hardware"))
        uow.commit()
    page = admin_client.get("/console/mail/mailboxes/new").get_data(as_text=True)
    team_id = re.search(r'<option value="(\d+)">Hardware</option>', page).group(1)  # type: ignore[union-attr]
    response = post_form(admin_client, "/console/mail/mailboxes/new", team_id=team_id)
    assert response.status_code == 302
    mailbox = stored(container)
    assert mailbox.team_id == int(team_id) and mailbox.tls and mailbox.port == 993
    assert "s3cret-imap-pw" not in mailbox.password_encrypted
    assert decrypt_password(SECRET, mailbox.password_encrypted) == "s3cret-imap-pw"
    listing = admin_client.get("/console/mail/mailboxes").get_data(as_text=True)
    assert "imaps://imap.desk.example:993" in listing and "Hardware" in listing
    edit = admin_client.get(f"/console/mail/mailboxes/{mailbox.id}/edit").get_data(as_text=True)
    assert "imap.desk.example" in edit
    assert "s3cret-imap-pw" not in edit and mailbox.password_encrypted not in edit


def test_blank_password_keeps_the_stored_one_and_a_new_one_replaces_it(
    admin_client: FlaskClient, container: Container
) -> None:
    post_form(admin_client, "/console/mail/mailboxes/new")
    url = f"/console/mail/mailboxes/{stored(container).id}/edit"
    assert post_form(admin_client, url, password="", host="imap2.desk.example").status_code == 302
    kept = stored(container)
    assert kept.host == "imap2.desk.example"
    assert decrypt_password(SECRET, kept.password_encrypted) == "s3cret-imap-pw"
    assert post_form(admin_client, url, password="rotated").status_code == 302
    assert decrypt_password(SECRET, stored(container).password_encrypted) == "rotated"


@pytest.mark.parametrize(
    ("overrides", "named_error"),
    [
        ({"port": "imap"}, "port: "),
        ({"port": "70000"}, "port: "),
        ({"host": ""}, "host: "),
        ({"from_address": "support"}, "from_address: not an email address"),
        ({"password": ""}, "password: a new mailbox needs a password"),
        ({"name": "environment"}, "name: already used by another mailbox"),
        ({"team_id": "999"}, "team_id: "),
    ],
)
def test_a_bad_form_names_the_field(
    admin_client: FlaskClient, container: Container, overrides: dict[str, str], named_error: str
) -> None:
    response = post_form(admin_client, "/console/mail/mailboxes/new", **overrides)
    assert response.status_code == 400
    assert named_error in response.get_data(as_text=True)
    with container.sessions() as session:
        assert session.scalars(select(Mailbox)).first() is None


def test_duplicate_name_is_refused_and_forms_need_the_csrf_token(
    admin_client: FlaskClient,
) -> None:
    assert post_form(admin_client, "/console/mail/mailboxes/new").status_code == 302
    again = post_form(admin_client, "/console/mail/mailboxes/new", host="other.example")
    assert again.status_code == 400
    assert "name: already used by another mailbox" in again.get_data(as_text=True)
    forged = admin_client.post("/console/mail/mailboxes/new", data=mailbox_fields(name="Forged"))
    assert forged.status_code == 400


def quarantine_with(container: Container, raw: bytes, limits: ParseLimits) -> int:
    strict_adapter = EmailAdapter(smtp=None, from_address="", limits=limits)
    strict = replace(container.mail_intake(), adapter=strict_adapter)
    with container.uow() as uow:
        result = ingest_raw(uow, raw, strict, source="file:test.eml")
        uow.commit()
    assert result.outcome == "quarantined"
    with container.sessions() as session:
        return int(session.scalars(select(QuarantinedMail.id)).one())


def test_quarantine_list_view_download_and_replay(
    admin_client: FlaskClient, container: Container
) -> None:
    raw = (FIXTURES / "gmail_new.eml").read_bytes()
    quarantine_id = quarantine_with(container, raw, ParseLimits(max_message_bytes=200))
    listing = admin_client.get("/console/mail/quarantine").get_data(as_text=True)
    assert "Printer on floor 3 is jammed" in listing
    assert "too large" in listing and "file:test.eml" in listing
    page = admin_client.get(f"/console/mail/quarantine/{quarantine_id}").get_data(as_text=True)
    assert f"{len(raw)} bytes" in page
    assert "&lt;CAGmail-new-0001@mail.gmail.com&gt;" in page  # the Message-ID header, escaped
    download = admin_client.get(f"/console/mail/quarantine/{quarantine_id}/raw")
    assert download.mimetype == "message/rfc822" and download.data == raw
    assert download.headers["Content-Disposition"].startswith("attachment;")
    token = csrf_token(page)
    replayed = admin_client.post(
        f"/console/mail/quarantine/{quarantine_id}/replay",
        data={"csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    reference = re.search(r"Replayed: created as (SR-\d+)", replayed)
    assert reference, replayed
    assert f">{reference.group(1)}</a>" in replayed  # the link to the new request
    assert "replayed" in admin_client.get("/console/mail/quarantine").get_data(as_text=True)
    pending = admin_client.get("/console/mail/quarantine?pending=1").get_data(as_text=True)
    assert "Nothing in quarantine." in pending


def test_replay_that_still_fails_says_why(admin_client: FlaskClient, container: Container) -> None:
    nested = b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(40)
    )
    raw = b"From: a@customer.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + nested
    quarantine_id = quarantine_with(container, raw, ParseLimits())
    page = admin_client.get(f"/console/mail/quarantine/{quarantine_id}").get_data(as_text=True)
    replayed = admin_client.post(
        f"/console/mail/quarantine/{quarantine_id}/replay",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Replayed: quarantined: " in replayed


def test_agents_cannot_download_or_replay(agent_client: FlaskClient, container: Container) -> None:
    raw = (FIXTURES / "gmail_new.eml").read_bytes()
    quarantine_id = quarantine_with(container, raw, ParseLimits(max_message_bytes=200))
    assert agent_client.get(f"/console/mail/quarantine/{quarantine_id}/raw").status_code == 403
    token = csrf_token(agent_client.get("/console").get_data(as_text=True))
    replay = agent_client.post(
        f"/console/mail/quarantine/{quarantine_id}/replay", data={"csrf_token": token}
    )
    assert replay.status_code == 403
