"""The customer and organisation pages, notes, duplicates and the merge screen."""

from __future__ import annotations

import functools

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crm_core.customers import Customer, Organization
from crm_core.customers.merging import CustomerMerge
from crm_core.customers.notes import CustomerNote
from servicedesk.container import Container
from servicedesk.desk.accounts import hash_password
from servicedesk.desk.models import Agent, Direction
from tests.factories import make_customer, make_message, make_request
from tests.integration.web.conftest import csrf_token, sign_in


@functools.cache
def _password_hash() -> str:
    return hash_password("pw-password")  # slow by design: hashed once per test session


def _add_agent(uow, email: str, roles: list[str]) -> None:  # type: ignore[no-untyped-def]
    agent = Agent(email=email, name=email[:2], password_hash=_password_hash(), roles=roles)
    uow.session.add(agent)


@pytest.fixture
def people(container: Container) -> dict[str, int]:
    with container.uow() as uow:
        org = Organization(name="Acme", name_key="acme", tier="gold")
        uow.session.add(org)
        maria = make_customer(uow, "Maria Rossi", email="maria@acme.example")
        twin = make_customer(uow, "Maria Rosi", email="MARIA@acme.example ")
        maria.organization = twin.organization = org
        request = make_request(uow, maria, subject="Invoice charged twice")
        make_message(uow, request, "Refund the second capture", direction=Direction.NOTE)
        make_message(uow, request, "Sorry, Maria, checking now", direction=Direction.OUTBOUND)
        for email, roles in (
            ("ro@desk.example", ["read-only"]),
            ("rep@desk.example", ["sales"]),
            ("kb@desk.example", ["reviewer"]),
        ):
            _add_agent(uow, email, roles)
        uow.session.flush()
        ids = {"maria": maria.id, "twin": twin.id, "org": org.id, "request": request.id}
        uow.commit()
    return ids


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, "pw-password").status_code == 302
    return client


def test_pages_need_sign_in_and_a_crm_role(app: Flask, people) -> None:
    client = app.test_client()
    maria, twin, org = people["maria"], people["twin"], people["org"]
    for url in (f"/crm/customers/{maria}", f"/crm/organisations/{org}",
                "/crm/duplicates", f"/crm/merge?a={maria}&b={twin}"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.post(f"/crm/customers/{people['maria']}/notes").status_code in (302, 400)
    reviewer = _client(app, "kb@desk.example")
    assert reviewer.get(f"/crm/customers/{people['maria']}").status_code == 403
    assert reviewer.get(f"/crm/organisations/{people['org']}").status_code == 403
    assert reviewer.get("/crm/duplicates").status_code == 403


def test_agent_sees_the_360_timeline_with_internal_notes(agent_client, people) -> None:
    page = agent_client.get(f"/crm/customers/{people['maria']}").get_data(as_text=True)
    assert "Maria Rossi" in page and "Acme" in page and "tier: gold" in page
    assert "email: maria@acme.example" in page
    assert "Invoice charged twice" in page and "Sorry, Maria" in page
    assert "Refund the second capture" in page and "internal note" in page
    assert f"/console/requests/{people['request']}" in page
    # Reached from the request page's customer panel.
    page = agent_client.get(f"/console/requests/{people['request']}").get_data(as_text=True)
    assert f'href="/crm/customers/{people["maria"]}"' in page
    # The organisation page: its people and the timeline of all of them.
    page = agent_client.get(f"/crm/organisations/{people['org']}").get_data(as_text=True)
    # An agent sees the customers of requests they can see: Maria Rosi has none.
    assert "Maria Rossi" in page and "Maria Rosi" not in page
    assert "Invoice charged twice" in page
    assert agent_client.get("/crm/organisations/999999").status_code == 404
    assert agent_client.get("/crm/customers/999999").status_code == 404


def test_add_a_note_shows_on_the_timeline(agent_client, people, container) -> None:
    url = f"/crm/customers/{people['maria']}"
    token = csrf_token(agent_client.get(url).get_data(as_text=True))
    empty = agent_client.post(f"{url}/notes", data={"text": "  ", "csrf_token": token})
    assert empty.status_code == 302
    assert "text:" in agent_client.get(url).get_data(as_text=True)
    agent_client.post(f"{url}/notes", data={"text": "Call after 5pm", "csrf_token": token})
    page = agent_client.get(url).get_data(as_text=True)
    assert "Call after 5pm" in page and "Note by Alex Agent" in page
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CustomerNote)) == 1


def test_sales_sees_no_internal_notes_and_read_only_cannot_write(app, people, container) -> None:
    rep = _client(app, "rep@desk.example")
    assert rep.get(f"/crm/customers/{people['maria']}").status_code == 403  # not their account
    with container.uow() as uow:  # a rep sees the customers they (or their team) own
        maria = uow.session.get(Customer, people["maria"])
        maria.owner_id = uow.session.scalars(
            select(Agent.id).where(Agent.email == "rep@desk.example")
        ).one()
        uow.commit()
    page = rep.get(f"/crm/customers/{people['maria']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sorry, Maria" in text
    assert "Refund the second capture" not in text
    client = _client(app, "ro@desk.example")
    url = f"/crm/customers/{people['maria']}"
    page = client.get(url).get_data(as_text=True)
    assert "Invoice charged twice" in page and "Add a note" not in page
    token = csrf_token(page)  # the sign-out form's
    assert client.post(f"{url}/notes", data={"text": "x", "csrf_token": token}).status_code == 403
    merge = f"/crm/merge?a={people['maria']}&b={people['twin']}"
    assert client.get(merge).status_code == 200
    assert client.post(merge, data={"survivor": "a", "csrf_token": token}).status_code == 403
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CustomerNote)) == 0
        assert uow.session.get(Customer, people["twin"]) is not None


def test_duplicates_then_merge_then_undo(agent_client, people, container) -> None:
    page = agent_client.get("/crm/duplicates").get_data(as_text=True)
    merge_url = f"/crm/merge?a={people['maria']}&amp;b={people['twin']}"
    assert merge_url in page
    screen = agent_client.get(merge_url.replace("&amp;", "&"))
    assert screen.status_code == 200 and "maria@acme.example" in screen.get_data(as_text=True)
    token = csrf_token(screen.get_data(as_text=True))
    bad = agent_client.post(
        merge_url.replace("&amp;", "&"), data={"survivor": "c", "csrf_token": token}
    )
    assert bad.status_code == 400
    done = agent_client.post(
        merge_url.replace("&amp;", "&"),
        data={"survivor": "a", "field_name": "b", "csrf_token": token},
    )
    assert done.status_code == 302
    with container.uow() as uow:
        assert uow.session.get(Customer, people["twin"]) is None
        assert uow.session.get_one(Customer, people["maria"]).name == "Maria Rosi"
        merge_id = uow.session.scalars(select(CustomerMerge.id)).one()
    listing = agent_client.get("/crm/duplicates").get_data(as_text=True)
    assert f"/crm/merges/{merge_id}/undo" in listing
    undone = agent_client.post(f"/crm/merges/{merge_id}/undo", data={"csrf_token": token})
    assert undone.status_code == 302
    with container.uow() as uow:
        assert uow.session.get_one(Customer, people["twin"]).name == "Maria Rosi"
        assert uow.session.get_one(Customer, people["maria"]).name == "Maria Rossi"
