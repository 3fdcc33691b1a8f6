"""Conversions within the window, ROI, and bouncing or unconsented addresses left out."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from crm_core.campaigns.analytics import campaign_figures
from crm_core.campaigns.models import Delivery, DeliveryStatus
from crm_core.campaigns.timeline import campaign_timeline
from crm_core.customers.models import ChannelIdentity, Customer
from crm_core.db import utcnow
from crm_core.orders.models import Order, OrderStatus
from crm_core.sales.models import Lead
from servicedesk.desk.campaigns import start_campaign
from tests.integration.marketing.helpers import make_audience, make_campaign


def test_orders_and_leads_within_the_window_are_attributed(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        session = uow.session
        ids = make_audience(uow, 4)
        session.scalars(
            select(ChannelIdentity).where(ChannelIdentity.customer_id == ids[3])
        ).one().bouncing = True
        campaign = make_campaign(uow)
        campaign.actual_cost, campaign.attribution_days = Decimal("50"), 7
        sent_at = utcnow() - timedelta(days=5)
        start_campaign(session, campaign, sent_at)
        rows = session.scalars(select(Delivery).where(Delivery.campaign_id == campaign.id)).all()
        assert sorted(r.customer_id for r in rows) == ids[:3]  # the bouncing address is left out
        for row in rows:
            row.status, row.sent_at = DeliveryStatus.SENT, sent_at
        rows[0].opened_at = rows[0].clicked_at = sent_at + timedelta(hours=1)
        order = lambda customer, days_ago, total: session.add(  # noqa: E731
            Order(customer_id=customer, status=OrderStatus.PAID, total=Decimal(total),
                  ordered_at=utcnow() - timedelta(days=days_ago))
        )  # fmt: skip
        order(ids[0], 2, "300")  # after the send, in the window: counts
        order(ids[1], 9, "999")  # before the send: does not
        order(ids[3], 2, "999")  # not a recipient: does not
        session.add(Lead(name="From the offer", source="campaign", campaign_id=campaign.id))
        session.flush()
        figures = campaign_figures(session, [campaign])
        entries = list(campaign_timeline(session, [ids[0], ids[3]]))
    assert sorted(e.title.split(":")[0] for e in entries) == [
        "Campaign mail sent",
        "Clicked campaign mail",
        "Converted (order) after campaign",
    ]
    assert (figures.sent, figures.opened, figures.clicked) == (3, 1, 1)
    assert figures.orders == 1 and figures.revenue == Decimal("300") and figures.leads == 1
    assert figures.converted == 2 and figures.roi == 5.0  # (300 - 50) / 50


def test_consent_hook_narrows_the_audience(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        ids = make_audience(uow, 3)
        campaign = make_campaign(uow)

        def only_first(query):  # type: ignore[no-untyped-def]
            return query.where(Customer.id == ids[0])

        assert start_campaign(uow.session, campaign, utcnow(), consent=only_first) == 1


def test_scheduled_campaigns_fall_due(uow_factory) -> None:  # type: ignore[no-untyped-def]
    from crm_core.campaigns.models import CampaignStatus
    from servicedesk.desk.campaigns import due_campaigns

    with uow_factory() as uow:
        now = utcnow()
        past, future = make_campaign(uow), make_campaign(uow, "stage = new")
        for campaign, at in (
            (past, now - timedelta(minutes=1)),
            (future, now + timedelta(hours=1)),
        ):
            campaign.status, campaign.scheduled_at = CampaignStatus.SCHEDULED, at
        uow.commit()
    with uow_factory() as uow:
        assert due_campaigns(uow.session, utcnow()) == [past.id]
