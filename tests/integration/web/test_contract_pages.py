"""Contract pages on SQLite and PostgreSQL: admins and sales edit, agents read; CSRF;
the request, customer and organisation pages show the entitlement left; logging time."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crm_core.contracts.models import Contract
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.models import format_reference
from tests.integration.contracts.helpers import (
    ask,
    day,
    make_contract,
    make_organisation,
    make_person,
)
from tests.integration.web.conftest import csrf_token, sign_in


def _client(app: Flask, email: str, password: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, password).status_code == 302
    return client


def _form(token: str, **changes: str) -> dict[str, str]:
    return {
        "number": "SC-2026-001",
        "organization_id": "1",
        "status": "active",
        "starts_on": day(-10).isoformat(),
        "ends_on": day(355).isoformat(),
        "sla_tier": "Gold",
        "incidents_included": "10",
        "support_hours": "20",
        "channels": "email",
        "remind_days": "30, 7",
        "owner_id": "0",
        "csrf_token": token,
        **changes,
    }


def _org(container: Container) -> None:
    with container.uow() as uow:
        make_organisation(uow, "Acme Printing")
        uow.commit()


def test_admin_creates_a_contract_and_bad_fields_are_named(
    app: Flask, container: Container
) -> None:
    _org(container)
    admin = _client(app, "admin@desk.example", "admin-password")
    token = csrf_token(admin.get("/contracts/new").get_data(as_text=True))
    backwards = admin.post("/contracts/new", data=_form(token, ends_on=day(-20).isoformat()))
    assert backwards.status_code == 400 and "ends_on: the term ends" in backwards.get_data(True)
    no_holder = admin.post("/contracts/new", data=_form(token, organization_id=""))
    assert no_holder.status_code == 400 and "holder:" in no_holder.get_data(as_text=True)
    days = admin.post("/contracts/new", data=_form(token, remind_days="thirty"))
    assert "remind_days:" in days.get_data(as_text=True)
    saved = admin.post("/contracts/new", data=_form(token))
    assert saved.status_code == 302
    page = admin.get(saved.headers["Location"]).get_data(as_text=True)
    assert "SC-2026-001" in page and "Acme Printing" in page
    assert "10 of 10 incidents left, 20 of 20 hours left" in page
    with container.uow() as uow:
        row = uow.session.scalars(select(Contract)).one()
        assert (row.sla_tier, row.channels, row.remind_days) == ("gold", ["email"], [30, 7])
        assert row.minutes_included == 1200 and row.renewal_on == row.ends_on
    listing = admin.get("/contracts/").get_data(as_text=True)
    assert "SC-2026-001" in listing and "10 of 10 incidents left" in listing


def test_forms_without_the_csrf_token_are_refused(app: Flask, container: Container) -> None:
    _org(container)
    admin = _client(app, "admin@desk.example", "admin-password")
    refused = admin.post("/contracts/new", data=_form(""))
    assert refused.status_code == 400
    with container.uow() as uow:
        assert uow.session.scalars(select(Contract)).first() is None


def test_agents_read_contracts_but_cannot_edit_them_sales_can(
    app: Flask, container: Container, agent_client: FlaskClient
) -> None:
    _org(container)
    with container.uow() as uow:
        contract_id = make_contract(uow, organization_id=1).id
        create_agent(uow.session, "sam@desk.example", "sam-password", name="Sam", roles=["sales"])
        uow.commit()
    assert agent_client.get("/contracts/").status_code == 200
    assert agent_client.get(f"/contracts/{contract_id}").status_code == 200
    assert agent_client.get("/contracts/new").status_code == 403
    token = csrf_token(agent_client.get("/console").get_data(as_text=True) or "")
    posted = agent_client.post(f"/contracts/{contract_id}/edit", data=_form(token, number="X"))
    assert posted.status_code == 403
    sales = _client(app, "sam@desk.example", "sam-password")
    edit = sales.get(f"/contracts/{contract_id}/edit").get_data(as_text=True)
    changed = sales.post(
        f"/contracts/{contract_id}/edit", data=_form(csrf_token(edit), number="C-1-renewed")
    )
    assert changed.status_code == 302
    with container.uow() as uow:
        assert uow.session.get_one(Contract, contract_id).number == "C-1-renewed"


def test_request_and_360_pages_show_the_entitlement_left_and_time_is_logged(
    app: Flask, container: Container, agent_client: FlaskClient
) -> None:
    with container.uow() as uow:
        org = make_organisation(uow, "Acme Printing")
        pat = make_person(uow, org, "Pat")
        make_contract(
            uow, "SC-7", organization_id=org.id, incidents_included=5, minutes_included=600
        )
        uow.commit()
    request_id = ask(container, pat, "m1")
    page = agent_client.get(f"/console/requests/{request_id}").get_data(as_text=True)
    assert "SC-7" in page and "4 of 5 incidents left, 10 of 10 hours left" in page
    logged = agent_client.post(
        f"/contracts/requests/{request_id}/time",
        data={"minutes": "90", "note": "on site", "csrf_token": csrf_token(page)},
    )
    assert logged.status_code == 302
    page = agent_client.get(f"/console/requests/{request_id}").get_data(as_text=True)
    assert "4 of 5 incidents left, 8.5 of 10 hours left" in page
    assert "Time logged on this request: 90 min" in page
    refused = agent_client.post(
        f"/contracts/requests/{request_id}/time", data={"minutes": "30"}
    )  # no CSRF token
    assert refused.status_code == 400
    for url in (f"/crm/organisations/{org.id}", f"/crm/customers/{pat.id}"):
        shown = agent_client.get(url).get_data(as_text=True)
        assert "Entitlement left" in shown and "4 of 5 incidents left" in shown, url
    with container.uow() as uow:
        contract_id = uow.session.scalars(select(Contract.id)).one()
    detail = agent_client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    reference = format_reference(request_id)
    assert detail.count(f">{reference}</a>") == 2  # the request counted, and its time
