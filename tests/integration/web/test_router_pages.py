"""Router console pages, real model: versions and roll-back, rules, test box, corrections."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm_core.customers import Customer
from knowledge.embedding import MiniLMEmbedder
from servicedesk.container import Container
from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.routing.corrections import record_correction
from servicedesk.desk.routing.models import RoutingRuleRow
from servicedesk.desk.routing.router import Router
from servicedesk.desk.routing.service import CategoryService
from tests.fixtures.routing_examples import TRAIN as ALL_EXAMPLES
from tests.integration.web.conftest import csrf_token, sign_in

TRAIN = {label: ALL_EXAMPLES[label] for label in ("billing", "delivery")}


@pytest.fixture
def service(container: Container, embedder: MiniLMEmbedder) -> CategoryService:
    """The app's router on the session's model, with two trained versions (v2 active)."""
    trained = CategoryService(container.config.models_dir, embedder)
    texts = [t for group in TRAIN.values() for t in group]
    labels = [label for label, group in TRAIN.items() for _ in group]
    trained.train(texts, labels)
    trained.train(texts[:-1], labels[:-1])
    container.router = Router(trained)
    return trained


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "admin@desk.example", "admin-password").status_code == 302
    return client


def post(client: FlaskClient, page: str, url: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_versions_page_lists_metrics_and_admin_rolls_back(
    service: CategoryService, admin_client: FlaskClient
) -> None:
    page = admin_client.get("/console/router").get_data(as_text=True)
    assert "v2" in page and "v1" in page and "active" in page
    assert "Roll back to v1" in page and "Roll back to v2" not in page
    response = post(admin_client, "/console/router", "/console/router/versions/1/activate")
    assert response.status_code == 302
    assert service.store.active_version() == 1
    assert "Roll back to v2" in admin_client.get("/console/router").get_data(as_text=True)


def test_agents_see_versions_but_cannot_change_anything(
    service: CategoryService, agent_client: FlaskClient
) -> None:
    page = agent_client.get("/console/router").get_data(as_text=True)
    assert "v2" in page and "Roll back" not in page
    token = csrf_token(agent_client.get("/console/router/test").get_data(as_text=True))
    denied = [
        agent_client.post(url, data={"csrf_token": token})
        for url in (
            "/console/router/versions/1/activate",
            "/console/router/retrain",
            "/console/router/rules/new",
        )
    ]
    assert [r.status_code for r in denied] == [403, 403, 403]
    assert agent_client.get("/console/router/rules/new").status_code == 403
    assert service.store.active_version() == 2


def test_post_without_csrf_token_is_refused(service: CategoryService, admin_client: FlaskClient):  # type: ignore[no-untyped-def]
    assert admin_client.post("/console/router/versions/1/activate").status_code == 400
    assert service.store.active_version() == 2


def new_rule(client: FlaskClient, **fields: str):  # type: ignore[no-untyped-def]
    data = {"name": "outage", "conditions": "text contains outage", "priority": "urgent"}
    data["enabled"] = "y"
    data.update(fields)
    return post(client, "/console/router/rules/new", "/console/router/rules/new", **data)


def rule_names(container: Container) -> list[tuple[str, bool]]:
    with container.uow() as uow:
        rows = uow.session.query(RoutingRuleRow).order_by(RoutingRuleRow.position).all()
        return [(r.name, r.enabled) for r in rows]


def test_admin_creates_edits_reorders_and_disables_rules(
    container: Container, admin_client: FlaskClient
) -> None:
    assert new_rule(admin_client).status_code == 302
    second = new_rule(
        admin_client, name="acme", conditions="sender_domain equals acme.test", team="Key accounts"
    )
    assert second.status_code == 302
    assert rule_names(container) == [("outage", True), ("acme", True)]
    with container.uow() as uow:
        acme_id = uow.session.query(RoutingRuleRow).filter_by(name="acme").one().id
    form = admin_client.get(f"/console/router/rules/{acme_id}/edit").get_data(as_text=True)
    assert "sender_domain equals acme.test" in form
    edited = post(
        admin_client,
        f"/console/router/rules/{acme_id}/edit",
        f"/console/router/rules/{acme_id}/edit",
        name="acme vip",
        conditions="sender_domain in acme.test, acme.example",
        priority="high",
        enabled="y",
    )
    assert edited.status_code == 302
    post(admin_client, "/console/router/rules", f"/console/router/rules/{acme_id}/move/up")
    post(admin_client, "/console/router/rules", f"/console/router/rules/{acme_id}/disable")
    assert rule_names(container) == [("acme vip", False), ("outage", True)]
    with container.uow() as uow:
        definition = uow.session.get(RoutingRuleRow, acme_id).definition  # type: ignore[union-attr]
    assert definition["conditions"][0]["value"] == ["acme.test", "acme.example"]
    assert definition["priority"] == "high" and "team" not in definition


def test_a_bad_rule_is_refused_with_the_reason(
    container: Container, admin_client: FlaskClient
) -> None:
    response = new_rule(admin_client, conditions="subject resembles outage")
    assert response.status_code == 400
    assert "operator among" in response.get_data(as_text=True)
    response = new_rule(admin_client, priority="")
    assert "must set a category, a priority or a team" in response.get_data(as_text=True)
    assert rule_names(container) == []


def test_test_box_shows_model_decision_and_the_rule_that_overrides(
    service: CategoryService, container: Container, admin_client: FlaskClient
) -> None:
    page = "/console/router/test"
    plain = post(admin_client, page, page, text="where is my package, total outage of tracking")
    html = plain.get_data(as_text=True)
    assert plain.status_code == 200
    assert re.search(r"category delivery 0\.\d\d by model v2", html), html
    assert "priority urgent by rule &#39;outage&#39;" in html  # a built-in default rule
    new_rule(admin_client, name="acme", conditions="sender_domain equals acme.test", category="vip")
    ruled = post(
        admin_client, page, page, text="where is my package", sender_domain="ACME.test"
    ).get_data(as_text=True)
    assert "category vip by rule &#39;acme&#39;" in ruled
    assert "priority urgent by rule &#39;acme&#39;" in ruled
    # Once admins manage the list, disabling their last rule does not bring defaults back.
    with container.uow() as uow:
        acme_id = uow.session.query(RoutingRuleRow).one().id
    post(admin_client, "/console/router/rules", f"/console/router/rules/{acme_id}/disable")
    outage = post(admin_client, page, page, text="total outage").get_data(as_text=True)
    assert "priority normal by default" in outage


def test_corrections_page_lists_what_agents_changed(
    container: Container, agent_client: FlaskClient
) -> None:
    with container.uow() as uow:
        customer = Customer(name="Cid", email="cid@example.com")
        uow.session.add(customer)
        uow.session.flush()
        request = ServiceRequest(subject="Lost parcel", customer_id=customer.id, channel="email")
        uow.session.add(request)
        uow.session.flush()
        record_correction(uow.session, request.id, "category", "billing", "delivery")
        uow.commit()
    page = agent_client.get("/console/router/corrections").get_data(as_text=True)
    assert "Lost parcel" in page and "billing" in page and "delivery" in page
