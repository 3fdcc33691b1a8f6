"""A spam complaint (RFC 5965 ARF report) reaching the support mailbox flags the address
like a bounce, and no campaign mail goes to it again."""

from __future__ import annotations

from email import message_from_bytes

from sqlalchemy import select

from channels.email.automated import Complaint, detect_automated
from channels.email.intake import mark_bouncing
from crm_core.campaigns.models import Delivery, Suppression
from crm_core.db import utcnow
from servicedesk.desk.campaigns import start_campaign
from tests.integration.marketing.helpers import make_audience, make_campaign

ARF = b"""From: abuse@isp.example
To: help@desk.example
Subject: FW: spam report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b"

--b
Content-Type: text/plain

This is an abuse report.
--b
Content-Type: message/feedback-report

Feedback-Type: abuse
Version: 1
Original-Rcpt-To: <Kim1@customer.example>

--b
Content-Type: message/rfc822

From: news@desk.example
To: kim1@customer.example
Subject: Spring

hi
--b--
"""


def test_a_complaint_suppresses_the_address(uow_factory) -> None:  # type: ignore[no-untyped-def]
    complaint = detect_automated(message_from_bytes(ARF))
    assert isinstance(complaint, Complaint)
    assert complaint.failed_recipients == ("kim1@customer.example",)
    with uow_factory() as uow:
        ids = make_audience(uow, 3)
        assert mark_bouncing(uow.session, complaint.failed_recipients) == 1
        campaign = make_campaign(uow)
        start_campaign(uow.session, campaign, utcnow())
        planned = uow.session.scalars(select(Delivery.customer_id)).all()
        assert sorted(planned) == [ids[0], ids[2]]
        assert uow.session.get(Suppression, "kim1@customer.example") is not None
