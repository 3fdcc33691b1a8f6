"""The customer list and the custom field admin page, for every role."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm_core.customers import Customer
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from tests.integration.web.conftest import csrf_token, sign_in

ROLES = ("admin", "agent", "sales", "marketing", "read-only", "reviewer")


@pytest.fixture
def people(app: Flask, container: Container) -> dict[str, int]:
    """One signed-up agent per role, and customers owned by the sales rep and by nobody."""
    ids: dict[str, int] = {}
    with container.uow() as uow:
        for role in ROLES:
            agent = create_agent(uow.session, f"{role}@crm.example", "pass-word-1", roles=[role])
            ids[role] = agent.id
        uow.session.add_all([
            Customer(name="Owned By Rep", email="mine@acme.com", owner_id=ids["sales"],
                     phone="+4930901820"),
            Customer(name="Owned By Admin", email="theirs@acme.com", owner_id=ids["admin"]),
            Customer(name="Nobody's", email="free@acme.com"),
        ])  # fmt: skip
        uow.commit()
    return ids


def client_as(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, f"{role}@crm.example", "pass-word-1").status_code == 302
    return client


@pytest.mark.usefixtures("people")
def test_who_may_open_which_page(app: Flask) -> None:
    client = app.test_client()
    for path in ("/crm/customers", "/crm/fields"):
        response = client.get(path)  # signed out: sent to sign in
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    expected_list = {"admin": 200, "agent": 200, "sales": 200, "marketing": 200,
                     "read-only": 200, "reviewer": 403}  # fmt: skip
    for role in ROLES:
        client = client_as(app, role)
        assert client.get("/crm/customers").status_code == expected_list[role], role
        assert client.get("/crm/fields").status_code == (200 if role == "admin" else 403), role


@pytest.mark.usefixtures("people")
def test_the_list_shows_scoped_rows_with_links_search_and_filters(app: Flask) -> None:
    admin = client_as(app, "admin")
    html = admin.get("/crm/customers").get_data(as_text=True)
    assert ">Customers</a>" in html  # the console's nav link
    assert "Owned By Rep" in html and "Owned By Admin" in html and "3 customers" in html
    assert "+4930901820" in html
    assert "/crm/customers/" in html  # each row links to its customer page
    found = admin.get("/crm/customers?q=%2B49+30+901820").get_data(as_text=True)
    assert "Owned By Rep" in found and "Owned By Admin" not in found
    unowned = admin.get("/crm/customers?owner=none").get_data(as_text=True)
    assert "Nobody" in unowned and "Owned By" not in unowned
    assert admin.get("/crm/customers?stage=happy").status_code == 400
    rep = client_as(app, "sales").get("/crm/customers").get_data(as_text=True)
    # A rep sees their own and their team's accounts (crm_core.scoping), not unowned ones.
    assert "Owned By Rep" in rep and "Nobody" not in rep and "Owned By Admin" not in rep
    marketing = client_as(app, "marketing").get("/crm/customers").get_data(as_text=True)
    assert "No customers match." in marketing


@pytest.mark.usefixtures("people")
def test_admins_define_fields_with_csrf_and_errors_named(app: Flask) -> None:
    admin = client_as(app, "admin")
    form = {"label": "Plan", "entity": "customer", "kind": "choice", "choices": ""}
    assert admin.post("/crm/fields", data=form).status_code == 400  # no CSRF token
    token = csrf_token(admin.get("/crm/fields").get_data(as_text=True))
    refused = admin.post("/crm/fields", data={**form, "csrf_token": token})
    assert refused.status_code == 400
    assert "a choice field needs at least one choice" in refused.get_data(as_text=True)
    made = admin.post(
        "/crm/fields",
        data={**form, "choices": "Basic\nPro", "sensitive": "y", "csrf_token": token},
    )
    assert made.status_code == 302
    page = admin.get("/crm/fields").get_data(as_text=True)
    assert "<code>plan</code>" in page and "Basic, Pro" in page
    rep = client_as(app, "sales")
    assert rep.post("/crm/fields", data={**form, "csrf_token": token}).status_code in (400, 403)
