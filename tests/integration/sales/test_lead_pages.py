"""The public lead form (fields, honeypot, origin, rate limit) and the lead console pages
(scoping, actions, rules, report), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crm_core.sales.capture import capture_lead
from crm_core.sales.models import Activity, Lead, LeadStatus, ScoringRule
from servicedesk.app import create_app
from servicedesk.container import Container
from tests.factories import make_agent, make_team
from tests.integration.sales.generated import closed_leads
from tests.integration.web.conftest import csrf_token, sign_in

ORIGIN = "https://www.shop.example"


@pytest.fixture
def reps(container: Container, app: Flask) -> dict[str, int]:
    """Rep Rosa and rep Raj share a team; rep Omar is on another; all can sign in."""
    with container.uow() as uow:
        rosa, raj, omar = (
            make_agent(uow, name, email=f"{name.lower()}@desk.example", roles=["sales"],
                       password="rep-password")
            for name in ("Rosa", "Raj", "Omar")
        )  # fmt: skip
        make_team(uow, "East", members=[rosa, raj])
        make_team(uow, "West", members=[omar])
        ids = {"rosa": rosa.id, "raj": raj.id, "omar": omar.id}
        for name, owner in ids.items():
            capture_lead(uow.session, name=f"Lead of {name}", email=f"{name}@lead.example",
                         company=f"{name} Ltd", owner_id=owner)  # fmt: skip
        uow.commit()
    return ids


def client_for(app: Flask, email: str, password: str = "rep-password") -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, password).status_code == 302
    return client


@pytest.fixture
def form_app(app: Flask, container: Container) -> Flask:
    container.config = replace(container.config, widget_origins=(ORIGIN,))
    return app


def post_lead(client: FlaskClient, json: bool = True, **fields: str):  # type: ignore[no-untyped-def]
    headers = {"Origin": ORIGIN, "Accept": "application/json" if json else "text/html"}
    return client.post("/forms/lead", data=fields, headers=headers)


def lead_count(container: Container) -> int:
    with container.uow() as uow:
        return uow.session.scalar(select(func.count(Lead.id))) or 0


def test_form_captures_a_lead_and_allows_the_origin(form_app: Flask, container: Container) -> None:
    client = form_app.test_client()
    response = post_lead(client, name="Zoe", email="zoe@bigco.example", company="BigCo",
                         company_size="250", campaign_id="4")  # fmt: skip
    assert response.status_code == 201 and response.get_json()["ok"] is True
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    with container.uow() as uow:
        lead = uow.session.scalars(select(Lead)).one()
        assert (lead.source, lead.campaign_id, lead.company_size) == ("form", 4, 250)
        assert [a.kind.value for a in uow.session.scalars(select(Activity))] == ["form_submit"]
    again = post_lead(client, name="Zoe", email="ZOE@bigco.example", title="CTO")
    assert again.status_code == 201 and lead_count(container) == 1
    preflight = client.options("/forms/lead", headers={"Origin": ORIGIN})
    assert (
        preflight.status_code == 204 and "POST" in preflight.headers["Access-Control-Allow-Methods"]
    )


def test_form_names_each_bad_field(form_app: Flask, container: Container) -> None:
    client = form_app.test_client()
    response = post_lead(client, name="Zed", email="zed@", company_size="lots", country="France")
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"email", "company_size", "country"}
    assert "two-letter" in errors["country"]
    page = post_lead(client, json=False, name="Zed", email="zed@", company_size="12")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and 'data-field="email"' in html and "company size" not in html
    assert lead_count(container) == 0


def test_honeypot_and_foreign_origin(form_app: Flask, container: Container) -> None:
    client = form_app.test_client()
    bot = post_lead(client, name="Bot", email="bot@spam.example", website="http://spam.example")
    assert bot.status_code == 201 and bot.get_json()["ok"] is True
    foreign = client.post("/forms/lead", data={"name": "X", "email": "x@y.example"},
                          headers={"Origin": "https://evil.example"})  # fmt: skip
    assert foreign.status_code == 403
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert lead_count(container) == 0


@pytest.fixture
def limited_app(container: Container, redis_url: str) -> Iterator[Flask]:
    """An app as deployed: rate limits on, counted in the real Redis."""
    config = replace(container.config, testing=False, redis_url=redis_url, widget_origins=(ORIGIN,))
    built = Container.build(config, synchronous_jobs=True)
    yield create_app(container=built)
    built.engine.dispose()


def test_form_is_rate_limited(limited_app: Flask) -> None:
    client = limited_app.test_client()
    codes = [post_lead(client, name=f"N{i}", email=f"n{i}@x.example").status_code
             for i in range(6)]  # fmt: skip
    assert codes == [201] * 5 + [429]


def test_rep_sees_own_and_team_leads_only(app: Flask, reps: dict[str, int]) -> None:
    rosa = client_for(app, "rosa@desk.example")
    page = rosa.get("/sales/leads").get_data(as_text=True)
    assert "Lead of rosa" in page and "Lead of raj" in page and "Lead of omar" not in page
    assert 'href="/sales/leads"' in page  # the Sales link in the console's navigation
    with app.extensions["servicedesk"].uow() as uow:
        omar_lead = uow.session.scalars(select(Lead.id).where(Lead.owner_id == reps["omar"])).one()
    assert rosa.get(f"/sales/leads/{omar_lead}").status_code == 404
    admin = client_for(app, "admin@desk.example", "admin-password")
    assert "Lead of omar" in admin.get("/sales/leads").get_data(as_text=True)
    support = client_for(app, "agent@desk.example", "agent-password")
    assert support.get("/sales/leads").status_code == 403


def test_rep_works_a_lead_through_to_conversion(app: Flask, reps: dict[str, int]) -> None:
    rosa = client_for(app, "rosa@desk.example")
    container = app.extensions["servicedesk"]
    with container.uow() as uow:
        lead_id = uow.session.scalars(select(Lead.id).where(Lead.owner_id == reps["rosa"])).one()
    url = f"/sales/leads/{lead_id}"
    token = csrf_token(rosa.get(url).get_data(as_text=True))
    rosa.post(f"{url}/activities", data={"csrf_token": token, "kind": "call", "subject": "Intro"})
    rosa.post(f"{url}/qualify", data={"csrf_token": token})
    response = rosa.post(f"{url}/convert", data={"csrf_token": token, "amount": "900",
                                                 "currency": "EUR", "name": ""})  # fmt: skip
    page = rosa.get(response.headers["Location"]).get_data(as_text=True)
    assert "Converted: customer, organisation and opportunity" in page
    assert "call" in page and "Intro" in page
    with container.uow() as uow:
        lead = uow.session.get_one(Lead, lead_id)
        assert lead.status == LeadStatus.CONVERTED and lead.first_contacted_at is not None
        assert lead.customer_id is not None and lead.opportunity_id is not None
    missing = rosa.post(f"{url}/disqualify", data={"csrf_token": token, "reason": ""})
    assert "reason: This field is required." in rosa.get(missing.headers["Location"]).get_data(
        as_text=True
    )


def test_admin_adds_a_scoring_rule_and_report_exports(app: Flask, reps: dict[str, int]) -> None:
    admin = client_for(app, "admin@desk.example", "admin-password")
    token = csrf_token(admin.get("/sales/leads/scoring").get_data(as_text=True))
    bad = admin.post("/sales/leads/scoring", data={"csrf_token": token, "name": "Size",
                     "kind": "fit", "field": "company_size", "operator": "between",
                     "value": "lots", "points": "5"})  # fmt: skip
    assert "value: a range such as 10-200" in bad.get_data(as_text=True)
    good = admin.post("/sales/leads/scoring", data={"csrf_token": token, "name": "Forms",
                      "kind": "behaviour", "field": "form_submit", "operator": "",
                      "value": "", "points": "10", "half_life_days": "7"})  # fmt: skip
    assert good.status_code == 302
    with app.extensions["servicedesk"].uow() as uow:
        assert uow.session.scalars(select(ScoringRule.name)).all() == ["Forms"]
    rosa = client_for(app, "rosa@desk.example")
    assert rosa.post("/sales/leads/scoring", data={"csrf_token": token}).status_code in (400, 403)
    page = admin.get("/sales/reports/lead-sources").get_data(as_text=True)
    assert "chart.umd.min.js" in page and "lead-sources-data" in page
    csv_text = admin.get("/sales/reports/lead-sources?format=csv").get_data(as_text=True)
    embed = admin.get("/forms/lead/embed").get_data(as_text=True)
    assert "/forms/lead.js" in embed and "data-servicedesk-lead" in embed
    assert admin.get("/forms/lead.js").status_code == 200
    assert csv_text.splitlines()[0].startswith("key,leads,converted")
    assert csv_text.splitlines()[1].startswith("manual,3,0,0,")


def test_admin_adds_a_territory_that_new_leads_follow(app: Flask, reps: dict[str, int]) -> None:
    admin = client_for(app, "admin@desk.example", "admin-password")
    token = csrf_token(admin.get("/sales/leads/assignment").get_data(as_text=True))
    data = {"csrf_token": token, "name": "Nordics", "owner_id": str(reps["omar"])}
    bad = admin.post("/sales/leads/assignment", data={**data, "country": "S1"})
    assert "country: not a two-letter country code" in bad.get_data(as_text=True)
    assert admin.post("/sales/leads/assignment", data={**data, "country": "se"}).status_code == 302
    assert "Nordics" in admin.get("/sales/leads/assignment").get_data(as_text=True)
    client = app.test_client()
    client.post("/forms/lead", data={"name": "Sven", "email": "sven@nord.example", "country": "SE"})
    with app.extensions["servicedesk"].uow() as uow:
        lead = uow.session.scalars(select(Lead).where(Lead.email == "sven@nord.example")).one()
        assert lead.owner_id == reps["omar"]


def test_admin_trains_the_model_and_the_lead_shows_its_probability(
    app: Flask, container: Container, reps: dict[str, int]
) -> None:
    admin = client_for(app, "admin@desk.example", "admin-password")
    page = admin.get("/sales/leads/scoring").get_data(as_text=True)
    assert "0 of the 200 closed leads" in page and "Train now" not in page
    with container.uow() as uow:
        closed_leads(uow.session, 240)
        uow.commit()
    token = csrf_token(admin.get("/sales/leads/scoring").get_data(as_text=True))
    trained = admin.post("/sales/leads/scoring/train", data={"csrf_token": token})
    page = admin.get(trained.headers["Location"]).get_data(as_text=True)
    assert "Trained" in page and "held-out accuracy" in page and "240 closed leads" in page
    with container.uow() as uow:
        lead_id = uow.session.scalars(select(Lead.id).where(Lead.owner_id == reps["rosa"])).one()
    lead_page = admin.get(f"/sales/leads/{lead_id}").get_data(as_text=True)
    assert 'class="lead-probability"' in lead_page and "learned from 240 closed leads" in lead_page


def test_rep_adds_a_lead_by_hand(app: Flask, reps: dict[str, int]) -> None:
    rosa = client_for(app, "rosa@desk.example")
    token = csrf_token(rosa.get("/sales/leads/new").get_data(as_text=True))
    bad = rosa.post("/sales/leads/new", data={"csrf_token": token, "name": "Ivo",
                    "email": "ivo@", "company_size": "0"})  # fmt: skip
    page = bad.get_data(as_text=True)
    assert "email: not a valid email address" in page
    assert "company_size: a whole number of employees" in page
    good = rosa.post("/sales/leads/new", data={"csrf_token": token, "name": "Ivo",
                     "email": "ivo@tram.example", "company": "Tram"})  # fmt: skip
    assert "Lead added." in rosa.get(good.headers["Location"]).get_data(as_text=True)
    with app.extensions["servicedesk"].uow() as uow:
        lead = uow.session.scalars(select(Lead).where(Lead.email == "ivo@tram.example")).one()
        assert (lead.owner_id, lead.source) == (reps["rosa"], "manual")
