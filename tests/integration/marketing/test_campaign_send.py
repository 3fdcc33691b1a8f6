"""Campaign mail through a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from channels.email.smtp import SmtpSettings
from crm_core.campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from crm_core.campaigns.sending import send_campaign
from crm_core.campaigns.tracking import unsubscribe
from crm_core.db import utcnow
from servicedesk.campaign_mail import SmtpMailer, run_campaign
from servicedesk.desk.campaigns import start_campaign
from tests.integration.marketing.helpers import (
    SECRET,
    SETTINGS,
    make_audience,
    make_campaign,
    smtp_sink,
)


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing on the way catches it."""


def test_campaign_mail_arrives_once_with_unsubscribe_headers(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        make_audience(uow, 3)
        campaign_id = make_campaign(uow).id
        uow.commit()
    with smtp_sink() as (sink, url):
        outcome = run_campaign(uow_factory, campaign_id, SETTINGS, url, utcnow)
        again = run_campaign(uow_factory, campaign_id, SETTINGS, url, utcnow)
    assert outcome.sent == 3 and again.sent == 0
    assert sorted(sink.recipients) == [f"kim{n}@customer.example" for n in range(3)]
    _, mail = sink.mails[0]
    assert mail["List-Unsubscribe"].strip().startswith("<http://desk.test/marketing/u/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Reply-To"] == "support@desk.example"
    assert mail["Message-ID"].startswith("<campaign-")
    assert mail["Subject"].startswith("A: news for Kim")
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_content()
    assert "<script>" not in html and "https://shop.example" not in html  # link is tracked
    assert "/marketing/t/c/" in html and "/marketing/t/o/" in html
    with uow_factory() as uow:
        assert uow.session.get(Campaign, campaign_id).status == CampaignStatus.SENT


def test_unsubscribed_address_gets_no_further_campaign(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        make_audience(uow, 2)
        first = make_campaign(uow).id
        second = make_campaign(uow, "stage in loyal,new").id
        uow.commit()
    with smtp_sink() as (sink, url):
        run_campaign(uow_factory, first, SETTINGS, url, utcnow)
        token = sink.mails[0][1]["List-Unsubscribe"].strip().strip("<>").rsplit("/", 1)[1]
        with uow_factory() as uow:
            gone = unsubscribe(uow.session, SECRET, token)
            uow.commit()
        sink.mails.clear()
        run_campaign(uow_factory, second, SETTINGS, url, utcnow)
    assert gone not in sink.recipients and len(sink.recipients) == 1


def test_killed_worker_resumes_without_sending_twice(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        make_audience(uow, 6)
        campaign = make_campaign(uow)
        start_campaign(uow.session, campaign, utcnow())
        campaign_id = campaign.id
        uow.commit()
    with smtp_sink() as (sink, url):
        real = SmtpMailer(SmtpSettings.from_url(url))
        calls = []

        def dies_on_third(mail, recipient):  # type: ignore[no-untyped-def]
            calls.append(recipient)
            if len(calls) == 3:
                real(mail, recipient)  # the server took it, then the worker died
                raise WorkerKilled
            real(mail, recipient)

        settings = SETTINGS.__class__(**{**SETTINGS.__dict__, "batch_size": 4})
        with pytest.raises(WorkerKilled):
            send_campaign(uow_factory, campaign_id, settings, dies_on_third, clock=utcnow)
        # A new worker right away leaves the dead one's claims alone (lease not over).
        early = send_campaign(uow_factory, campaign_id, settings, real, clock=utcnow)
        later = utcnow() + timedelta(seconds=settings.lease_seconds + 1)
        late = send_campaign(uow_factory, campaign_id, settings, real, clock=lambda: later)
        real.close()
    assert len(sink.recipients) == len(set(sink.recipients)) == 6
    assert early.sent == 2 and late.released == 1 and late.uncertain == 1 and late.sent == 1
    with uow_factory() as uow:
        statuses = uow.session.scalars(
            select(Delivery.status).where(Delivery.campaign_id == campaign_id)
        ).all()
    # The one in flight when the worker died is never retried: it may have gone out.
    assert (
        statuses.count(DeliveryStatus.SENT) == 5 and statuses.count(DeliveryStatus.UNCERTAIN) == 1
    )
