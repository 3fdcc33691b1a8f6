"""Deal, forecast, order and report pages: scoping, CSRF, live board events, CSV exports."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm_core.access import Viewer
from crm_core.orders.models import Order, OrderStatus
from crm_core.sales.models import PipelineStage
from crm_core.sales.opportunities import DealDraft, DealLine, create_opportunity
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.realtime.notifier import RecordingNotifier
from tests.factories import make_team
from tests.integration.sales.deal_fixtures import (
    NOW,
    catalogue,
    customer,
    sales_pipeline,
    stage_id,
)
from tests.integration.web.conftest import csrf_token, sign_in


@pytest.fixture
def deals(app: Flask, container: Container) -> dict[str, int]:
    """Reps Rita and Sam share a team; Olaf is on his own; Rhea is read-only."""
    with container.uow() as uow:
        s = uow.session
        rita = create_agent(s, "rita@desk.example", "rita-password", name="Rita", roles=["sales"])
        sam = create_agent(s, "sam@desk.example", "sam-password", name="Sam", roles=["sales"])
        olaf = create_agent(s, "olaf@desk.example", "olaf-password", name="Olaf", roles=["sales"])
        create_agent(s, "rhea@desk.example", "rhea-password", name="Rhea", roles=["read-only"])
        make_team(uow, "East", members=[rita, sam])
        pipeline = sales_pipeline(s)
        skus = catalogue(s)
        buyer = customer(s, "ana@shop.example")
        system = Viewer.system()
        draft = DealDraft("Sam deal", Decimal(1000), owner_id=sam.id, customer_id=buyer.id,
                          lines=(DealLine(skus["SEAT"], 2, Decimal("500")),))  # fmt: skip
        sam_deal = create_opportunity(s, system, draft, NOW)
        olaf_deal = create_opportunity(
            s, system, DealDraft("Olaf deal", Decimal(7), owner_id=olaf.id), NOW
        )
        uow.commit()
        return {
            "sam_deal": sam_deal.id, "olaf_deal": olaf_deal.id, "customer": buyer.id,
            "demo": stage_id(pipeline, "demo"), "won": stage_id(pipeline, "won"),
        }  # fmt: skip


def client_for(app: Flask, email: str, password: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, password).status_code == 302
    return client


def test_a_rep_sees_and_moves_team_deals_and_the_board_hears_it(
    app: Flask, container: Container, deals: dict[str, int]
) -> None:
    rita = client_for(app, "rita@desk.example", "rita-password")
    board = rita.get("/sales/board").get_data(as_text=True)
    assert "Sam deal" in board and "Olaf deal" not in board
    token = csrf_token(board) if 'name="csrf_token"' in board else None
    token = token or board.split('data-csrf="')[1].split('"')[0]
    container.notifier = recorder = RecordingNotifier()
    moved = rita.post(
        f"/sales/opportunities/{deals['sam_deal']}/move",
        data={"csrf_token": token, "stage_id": deals["demo"]},
        headers={"X-Requested-With": "fetch"},
    )
    assert moved.status_code == 200 and moved.json == {"ok": True, "stage_id": deals["demo"]}
    assert recorder.sent[0][0] == "sales.board" and recorder.sent[0][2] == "sales-board"
    hidden = rita.post(
        f"/sales/opportunities/{deals['olaf_deal']}/move",
        data={"csrf_token": token, "stage_id": deals["demo"]},
        headers={"X-Requested-With": "fetch"},
    )
    assert hidden.status_code == 404
    assert rita.get(f"/sales/opportunities/{deals['olaf_deal']}").status_code == 404
    no_csrf = rita.post(f"/sales/opportunities/{deals['sam_deal']}/move", data={"stage_id": 1})
    assert no_csrf.status_code == 400
    page = rita.get(f"/sales/opportunities/{deals['sam_deal']}").get_data(as_text=True)
    assert "Stage history" in page and "prospecting" in page and "demo" in page
    assert "SEAT Seat licence \u00d7 2 at 500.00" in page


def test_read_only_sees_every_deal_and_changes_none(app: Flask, deals: dict[str, int]) -> None:
    rhea = client_for(app, "rhea@desk.example", "rhea-password")
    listing = rhea.get("/sales/opportunities").get_data(as_text=True)
    assert "Sam deal" in listing and "Olaf deal" in listing
    token = csrf_token(listing)
    refused = rhea.post(
        f"/sales/opportunities/{deals['sam_deal']}/move",
        data={"csrf_token": token, "stage_id": deals["demo"]},
        headers={"X-Requested-With": "fetch"},
    )
    assert refused.status_code == 403 and "read-only" in refused.json["error"]


def test_list_filters_forecast_what_if_and_csv(app: Flask, deals: dict[str, int]) -> None:
    admin = client_for(app, "admin@desk.example", "admin-password")
    filtered = admin.get("/sales/opportunities?owner=&outcome=lost").get_data(as_text=True)
    assert "No deals match." in filtered
    bad = admin.get("/sales/opportunities?close_month=soon").get_data(as_text=True)
    assert "close_month: a month such as 2026-03" in bad
    page = admin.get("/sales/forecast?by=rep&what_if=prospecting%3D0.5").get_data(as_text=True)
    assert "Sam" in page and "Olaf" in page and "chart-forecast" in page
    csv = admin.get("/sales/forecast?by=rep&what_if=prospecting%3D0.5&format=csv").get_data(
        as_text=True
    )
    # Sam: 1000 x 0.1 = 100 baseline, 500 under the what-if.
    assert "Sam,1,1000.00,100.00,0.00,0.00,500.00,400.00" in csv.splitlines(), csv
    problem = admin.get("/sales/forecast?what_if=demo").get_data(as_text=True)
    assert "what-if: expected STAGE=PROBABILITY" in problem


def test_orders_products_and_reports(
    app: Flask, container: Container, deals: dict[str, int]
) -> None:
    admin = client_for(app, "admin@desk.example", "admin-password")
    form = admin.get("/sales/products/new").get_data(as_text=True)
    created = admin.post(
        "/sales/products/new",
        data={"csrf_token": csrf_token(form), "sku": "LAMP", "name": "Lamp", "price": "49.90",
              "currency": "EUR", "tax_rate": "7", "active": "y"},
    )  # fmt: skip
    assert created.status_code == 302
    clash = admin.post(
        "/sales/products/new",
        data={"csrf_token": csrf_token(form), "sku": "LAMP", "name": "Lamp", "price": "1",
              "currency": "EUR"},
    )  # fmt: skip
    assert clash.status_code == 400 and "sku: a product with SKU" in clash.get_data(as_text=True)
    form = admin.get("/sales/orders/new").get_data(as_text=True)
    made = admin.post(
        "/sales/orders/new",
        data={"csrf_token": csrf_token(form), "customer_id": deals["customer"], "currency": "EUR",
              "products": "LAMP 2\nSEAT"},
    )  # fmt: skip
    assert made.status_code == 302
    with container.uow() as uow:
        order = uow.session.query(Order).one()
        assert order.total == Decimal("130.58")  # 99.80 + 6.99 tax; 19.99 + 3.80 tax
        order_id = order.id
    page = admin.get(f"/sales/orders/{order_id}").get_data(as_text=True)
    paid = admin.post(
        f"/sales/orders/{order_id}/status/paid", data={"csrf_token": csrf_token(page)}
    )
    assert paid.status_code == 302
    with container.uow() as uow:
        assert uow.session.get(Order, order_id).status is OrderStatus.PAID
    reports = admin.get("/sales/reports").get_data(as_text=True)
    assert "Sales funnel" in reports and "Rep performance" in reports and "LAMP" in reports
    funnel_csv = admin.get("/sales/reports/funnel.csv")
    assert funnel_csv.mimetype == "text/csv"
    assert funnel_csv.get_data(as_text=True).splitlines()[1].startswith("prospecting,2,1007.00")
    assert "2,99.80" in admin.get("/sales/reports/products.csv").get_data(as_text=True)


def test_a_rep_creates_a_deal_with_products_and_cannot_give_it_away(
    app: Flask, deals: dict[str, int]
) -> None:
    rita = client_for(app, "rita@desk.example", "rita-password")
    form = rita.get("/sales/opportunities/new").get_data(as_text=True)
    token = csrf_token(form)
    base = {"csrf_token": token, "name": "Rita deal", "currency": "EUR",
            "forecast_category": "commit", "products": "SEAT 3"}  # fmt: skip
    olaf = re.search(r'value="(\d+)">Olaf<', form).group(1)  # type: ignore[union-attr]
    assert re.search(r'selected value="\d+">Rita<|value="\d+" selected>Rita<', form)
    refused = rita.post("/sales/opportunities/new", data={**base, "owner_id": olaf})
    assert refused.status_code == 403
    assert "owner: you can assign deals to yourself or your team only" in refused.get_data(
        as_text=True
    )
    bad = rita.post("/sales/opportunities/new", data={**base, "products": "SEAT three"})
    assert bad.status_code == 400 and "line 1: write SKU then a quantity" in bad.get_data(
        as_text=True
    )
    made = rita.post("/sales/opportunities/new", data=base)
    assert made.status_code == 302
    page = rita.get(made.headers["Location"]).get_data(as_text=True)
    assert "59.97 EUR" in page and "Owner Rita" in page  # 3 x 19.99, owned by her


def test_admins_configure_pipeline_stages_and_reps_cannot(
    app: Flask, container: Container, deals: dict[str, int]
) -> None:
    rita = client_for(app, "rita@desk.example", "rita-password")
    assert rita.get("/sales/pipelines").status_code == 403
    admin = client_for(app, "admin@desk.example", "admin-password")
    page = admin.get("/sales/pipelines").get_data(as_text=True)
    token = csrf_token(page)
    demo = deals["demo"]
    admin.post(f"/sales/stages/{demo}", data={"csrf_token": token, "name": "demo call",
                                               "probability": "30%"})  # fmt: skip
    with container.uow() as uow:
        pipeline = uow.session.get(PipelineStage, demo).pipeline  # type: ignore[union-attr]
        admin.post(f"/sales/pipelines/{pipeline.id}/stages/{demo}/left", data={"csrf_token": token})
        admin.post(f"/sales/pipelines/{pipeline.id}/stages",
                   data={"csrf_token": token, "name": "pilot", "probability": "0.6"})  # fmt: skip
    unclear = {"csrf_token": token, "name": "x", "probability": "lots"}
    bad = admin.post(f"/sales/stages/{demo}", data=unclear, follow_redirects=True)
    assert "probability: a number such as 0.25 or 25%" in bad.get_data(as_text=True)
    with container.uow() as uow:
        pipeline = uow.session.get(PipelineStage, demo).pipeline  # type: ignore[union-attr]
        assert [(s.name, s.probability) for s in pipeline.stages][:2] == [
            ("demo call", 0.3), ("prospecting", 0.1)
        ]  # fmt: skip
        assert pipeline.stages[-1].name == "pilot"
