"""SLA in the console: countdowns on inbox and request page, due filter, admin editing."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from channels.messages import InboundMessage, Sender
from crm_core.db import utcnow
from servicedesk.container import Container
from servicedesk.desk.operations import receive_inbound
from servicedesk.desk.sla.admin import load_setup_file
from servicedesk.desk.sla.models import SlaCalendarRow
from tests.integration.web.conftest import csrf_token, sign_in

POLICY = {
    "name": "standard",
    "targets": {"normal": {"first_response": 60, "resolution": 600}},
}


def _ask(container: Container, external_id: str, *, hours_ago: float = 0) -> int:
    with container.uow() as uow:
        load_setup_file(uow.session, {"policies": [POLICY]})
        result = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id=external_id,
                sender=Sender("email", f"{external_id}@customer.example"),
                subject=f"About {external_id}",
                text="Help",
            ),
        )
        uow.commit()
    if hours_ago:
        with container.uow() as uow:
            past = utcnow() - timedelta(hours=hours_ago)
            uow.session.execute(
                text("UPDATE service_requests SET sla_due_at = :t WHERE id = :i"),
                {"t": past, "i": result.request_id},
            )
            uow.commit()
    return result.request_id


def test_inbox_shows_countdowns_and_filters_by_due(
    container: Container, agent_client: FlaskClient
) -> None:
    _ask(container, "soon")
    _ask(container, "late", hours_ago=1)
    page = agent_client.get("/console?view=all").get_data(as_text=True)
    assert page.count('class="sla-countdown"') == 2 and "sla.js" in page
    overdue = agent_client.get("/console?view=all&due=overdue").get_data(as_text=True)
    assert "About late" in overdue and "About soon" not in overdue
    hour = agent_client.get("/console?view=all&due=1h").get_data(as_text=True)
    assert hour.index("About late") < hour.index("About soon"), "nearest due first"


def test_request_page_explains_policy_and_clocks(
    container: Container, agent_client: FlaskClient
) -> None:
    rid = _ask(container, "explain")
    page = agent_client.get(f"/console/requests/{rid}").get_data(as_text=True)
    assert "Policy <strong>standard</strong>" in page
    assert "first response" in page and "resolution" in page and "24/7" in page


def test_admin_edits_a_calendar_and_errors_name_the_field(app: Flask, container: Container) -> None:
    client = app.test_client()
    assert sign_in(client, "admin@desk.example", "admin-password").status_code == 302
    form = client.get("/console/sla/calendar/edit").get_data(as_text=True)
    bad = client.post(
        "/console/sla/calendar/edit",
        data={"csrf_token": csrf_token(form), "definition": "name: X\ntimezone: Mars/Base\n"},
    )
    assert "timezone &#39;Mars/Base&#39; is not an IANA zone" in bad.get_data(as_text=True)
    good = client.post(
        "/console/sla/calendar/edit",
        data={
            "csrf_token": csrf_token(form),
            "definition": "name: Office\ntimezone: Europe/Berlin\nhours: {mon: 09:00-17:00}\n",
        },
    )
    assert good.status_code == 302
    with container.uow() as uow:
        row = uow.session.scalars(select(SlaCalendarRow)).one()
        assert row.definition["hours"] == {"mon": "09:00-17:00"}


def test_agents_may_read_but_not_edit(agent_client: FlaskClient) -> None:
    assert agent_client.get("/console/sla").status_code == 200
    assert agent_client.get("/console/sla/policy/edit").status_code == 403


def test_admin_adds_a_canned_reply_and_agents_see_it_on_requests(
    app: Flask, container: Container, agent_client: FlaskClient
) -> None:
    admin = app.test_client()
    assert sign_in(admin, "admin@desk.example", "admin-password").status_code == 302
    form = admin.get("/console/sla/macro/edit").get_data(as_text=True)
    saved = admin.post(
        "/console/sla/macro/edit",
        data={
            "csrf_token": csrf_token(form),
            "definition": "name: Hi\nshortcut: hi\nbody: 'Hello {{ customer.name }}'\n",
        },
    )
    assert saved.status_code == 302
    assert "/hi" in admin.get("/console/sla").get_data(as_text=True)
    rid = _ask(container, "macro")
    page = agent_client.get(f"/console/requests/{rid}").get_data(as_text=True)
    assert "macros-data" in page and "macros.js" in page
