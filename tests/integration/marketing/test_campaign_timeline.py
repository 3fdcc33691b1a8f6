"""The customer 360 timeline shows the campaign touches: mail sent, opened, clicked,
unsubscribed, a conversion within the window, and a banner click."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.campaigns.models import Channel, Delivery, DeliveryStatus, TouchKind
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.touches import add_touch
from crm_core.campaigns.tracking import UNSUBSCRIBE, make_token, unsubscribe
from crm_core.db import utcnow
from crm_core.orders.models import Order, OrderStatus
from servicedesk.desk.campaigns import start_campaign
from servicedesk.desk.customer_view import customer_view
from tests.integration.marketing.helpers import SECRET, make_audience, make_campaign


def test_the_360_view_lists_every_campaign_event(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        session = uow.session
        kim, other = make_audience(uow, 2)
        campaign = make_campaign(uow)
        sent_at = utcnow() - timedelta(days=10)
        start_campaign(session, campaign, sent_at)
        mine = session.scalar(select(Delivery).where(Delivery.customer_id == kim))
        assert mine is not None
        mine.status, mine.sent_at = DeliveryStatus.SENT, sent_at
        mine.opened_at = sent_at + timedelta(hours=1)
        mine.clicked_at = sent_at + timedelta(hours=2)
        session.flush()
        unsubscribe(session, SECRET, make_token(SECRET, UNSUBSCRIBE, mine.id))
        banner = save_campaign(
            session,
            Viewer.system(),
            CampaignDraft("Banner", channel=Channel.PORTAL, mails=[MailDraft("A", "Hi", "")]),
        )
        add_touch(session, banner.id, TouchKind.CLICK, "banner", kim, utcnow() - timedelta(days=1))
        add_touch(session, banner.id, TouchKind.IMPRESSION, "banner", kim, utcnow())
        for customer, days_ago in ((kim, 5), (kim, 60), (other, 5)):
            session.add(Order(customer_id=customer, status=OrderStatus.PAID, total=Decimal(40),
                              ordered_at=utcnow() - timedelta(days=days_ago)))  # fmt: skip
        session.flush()
        view = customer_view(session, Viewer.system(), kim)
        assert view is not None
        titles = [e.title for e in view.timeline if e.kind == "campaign"]
    name = campaign.name
    assert titles == [
        "Unsubscribed from campaign mail: " + name,  # just now
        "Clicked the help centre banner of campaign: Banner",  # a day ago
        "Converted (order) after campaign: " + name,  # not the order 60 days ago
        "Clicked campaign mail: " + name,
        "Opened campaign mail: " + name,
        "Campaign mail sent: " + name,
    ]


def test_clicked_segments_count_banner_clicks(uow_factory) -> None:  # type: ignore[no-untyped-def]
    from crm_core.campaigns.segments import count_segment, parse_rules

    with uow_factory() as uow:
        session = uow.session
        kim, _other = make_audience(uow, 2)
        banner = save_campaign(
            session,
            Viewer.system(),
            CampaignDraft("Banner", channel=Channel.PORTAL, mails=[MailDraft("A", "Hi", "")]),
        )
        add_touch(session, banner.id, TouchKind.CLICK, "banner", kim, utcnow())
        add_touch(session, banner.id, TouchKind.CLICK, "banner", None, utcnow())  # anonymous
        assert count_segment(session, parse_rules(f"clicked = {banner.id}"), utcnow()) == 1
        assert count_segment(session, parse_rules(f"clicked != {banner.id}"), utcnow()) == 1


def test_tag_rules_select_by_tag(uow_factory) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    from crm_core.campaigns.segments import SegmentError, count_segment, parse_rules
    from crm_core.customers.records import Tag, customer_tags

    with uow_factory() as uow:
        session = uow.session
        kim, _other, third = make_audience(uow, 3)
        beta = Tag(name="Beta", name_key="beta")
        session.add(beta)
        session.flush()
        session.execute(
            insert(customer_tags), [{"customer_id": c, "tag_id": beta.id} for c in (kim, third)]
        )
        assert count_segment(session, parse_rules("tag = BETA, nothing"), utcnow()) == 2
        assert count_segment(session, parse_rules("tag != beta"), utcnow()) == 1
        with pytest.raises(SegmentError, match="tag"):
            count_segment(session, parse_rules("tag > beta"), utcnow())
