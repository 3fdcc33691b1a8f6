"""Portal-banner campaigns in the help centre: who sees the banner and when, its tracked
links, dismissals remembered per customer, opt-outs respected, and the figures."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.campaigns.analytics import campaign_report
from crm_core.campaigns.models import Campaign, CampaignStatus, Channel, Touch, TouchKind
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.segments import save_segment
from crm_core.customers import Customer, LifecycleStage
from crm_core.db import utcnow
from crm_core.orders.models import Order, OrderStatus
from crm_core.privacy.consent import withdraw_consent
from servicedesk.container import Container
from servicedesk.jobs import send_campaign, send_due_campaigns
from tests.fixtures.smtp import Sink
from tests.integration.portal.conftest import mail_in, sign_in
from tests.integration.web.conftest import csrf_token

MARIA, TOM = "maria@customer.example", "tom@customer.example"
BODY = (
    '<p>Spring offers for you: <a href="https://shop.example/spring?a=1&amp;b=2">shop now</a>'
    "</p><script>alert(1)</script><img src=x onerror=alert(2)>"
)
LINK = re.compile(r'href="http://[^"/]+(/help/b/[^"]+)"')


def loyal(container: Container, address: str) -> int:
    mail_in(container, address, f"Hello from {address}")
    with container.uow() as uow:
        customer = uow.session.scalar(select(Customer).where(Customer.email == address))
        assert customer is not None
        customer.lifecycle_stage = LifecycleStage.LOYAL
        uow.commit()
        return customer.id


def banner(container: Container, *, segment: bool = True, **fields: object) -> int:
    with container.uow() as uow:
        segment_id = save_segment(uow.session, "Loyal", "stage = loyal").id if segment else None
        draft = CampaignDraft(
            name=f"Spring banner {segment}",
            channel=Channel.PORTAL,
            segment_id=segment_id,
            mails=[MailDraft("A", "Spring is here, {{ campaign.name }}", "", BODY)],
            **fields,  # type: ignore[arg-type]
        )
        campaign_id = save_campaign(uow.session, Viewer.system(), draft).id
        uow.commit()
    send_campaign(container, campaign_id)  # "send" puts a banner up
    return campaign_id


def touches(container: Container, campaign_id: int, kind: TouchKind) -> list[int | None]:
    with container.uow() as uow:
        return list(
            uow.session.scalars(
                select(Touch.customer_id).where(
                    Touch.campaign_id == campaign_id, Touch.kind == kind
                )
            )
        )


def signed_in(app: Flask, sink: Sink, address: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, sink, address)
    return client


def test_the_segments_customer_sees_clicks_and_dismisses_the_banner_for_good(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    sink, _ = smtp_sink
    maria = loyal(container, MARIA)
    mail_in(container, TOM, "Tom's question")  # not loyal: not in the segment
    campaign_id = banner(container)
    client = signed_in(app, sink, MARIA)
    page = client.get("/help").get_data(as_text=True)
    assert "Spring is here, Spring banner True" in page
    assert "<script>alert(1)" not in page and "onerror" not in page, "sanitised with nh3"
    link = LINK.search(page)
    assert link, "the banner's link goes through the signed redirect"
    assert "shop.example" not in link.group(1)
    clicked = client.get(link.group(1).replace("&amp;", "&"))
    assert clicked.status_code == 302
    assert clicked.headers["Location"] == "https://shop.example/spring?a=1&b=2"
    assert client.get(link.group(1)[:-4] + "AAAA").status_code == 404  # forged
    assert "Spring is here" not in signed_in(app, sink, TOM).get("/help").get_data(as_text=True)
    assert "Spring is here" not in app.test_client().get("/help").get_data(as_text=True)
    page = client.get("/help").get_data(as_text=True)
    form = re.search(r'action="(/help/banner/\d+/dismiss)"', page)
    assert form
    done = client.post(form.group(1), data={"csrf_token": csrf_token(page), "next": "/help"})
    assert done.status_code == 302 and done.headers["Location"] == "/help"
    assert "Spring is here" not in client.get("/help").get_data(as_text=True)
    again = signed_in(app, sink, MARIA)  # another browser: remembered per customer
    assert "Spring is here" not in again.get("/help").get_data(as_text=True)
    assert touches(container, campaign_id, TouchKind.CLICK) == [maria]
    assert touches(container, campaign_id, TouchKind.DISMISS) == [maria]
    assert set(touches(container, campaign_id, TouchKind.IMPRESSION)) == {maria}


def test_figures_count_impressions_clicks_and_a_conversion_after_the_click(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    sink, _ = smtp_sink
    maria = loyal(container, MARIA)
    campaign_id = banner(container)
    client = signed_in(app, sink, MARIA)
    page = client.get("/help").get_data(as_text=True)
    client.get("/help")
    link = LINK.search(page)
    assert link
    client.get(link.group(1).replace("&amp;", "&"))
    with container.uow() as uow:
        at = utcnow() + timedelta(hours=1)
        uow.session.add(
            Order(
                customer_id=maria,
                status=OrderStatus.PAID,
                currency="EUR",
                subtotal=Decimal(80),
                tax_total=Decimal(0),
                total=Decimal(80),
                source="erp",
                ordered_at=at,
            )
        )
        uow.commit()
        figures = campaign_report(uow.session, uow.session.get(Campaign, campaign_id))["figures"]
    assert figures["impressions"] == 2 and figures["reach"] == 1
    assert figures["clicked"] == 1 and figures["click_rate"] == 0.5
    assert figures["converted"] == 1 and figures["revenue"] == "80.00"


def test_everyone_banner_shows_to_anonymous_visitors_who_may_close_it(
    app: Flask, container: Container
) -> None:
    banner(container, segment=False, show_anonymous=True)
    client = app.test_client()
    page = client.get("/help").get_data(as_text=True)
    assert "Spring is here" in page
    form = re.search(r'action="(/help/banner/\d+/dismiss)"', page)
    assert form
    client.post(form.group(1), data={"csrf_token": csrf_token(page), "next": "//evil.example"})
    assert "Spring is here" not in client.get("/help").get_data(as_text=True)
    assert "Spring is here" in app.test_client().get("/help").get_data(as_text=True)


def test_the_schedule_and_an_opt_out_are_respected(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    sink, _ = smtp_sink
    maria = loyal(container, MARIA)
    later = banner(container, scheduled_at=utcnow() + timedelta(days=1))
    client = signed_in(app, sink, MARIA)
    assert "Spring is here" not in client.get("/help").get_data(as_text=True)
    with container.uow() as uow:
        campaign = uow.session.get(Campaign, later)
        assert campaign is not None
        campaign.scheduled_at = utcnow() - timedelta(minutes=1)
        campaign.ends_at = utcnow() + timedelta(minutes=1)
        uow.commit()
    assert "Spring is here" in client.get("/help").get_data(as_text=True)
    with container.uow() as uow:
        withdraw_consent(uow.session, maria, "marketing_email", source="test")
        uow.commit()
    assert "Spring is here" not in client.get("/help").get_data(as_text=True)
    with container.uow() as uow:
        campaign = uow.session.get(Campaign, later)
        assert campaign is not None
        campaign.ends_at = utcnow() - timedelta(seconds=1)
        uow.commit()
    send_due_campaigns(container)
    with container.uow() as uow:
        assert uow.session.get(Campaign, later).status == CampaignStatus.SENT  # type: ignore[union-attr]
