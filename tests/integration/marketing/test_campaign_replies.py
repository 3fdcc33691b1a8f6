"""A reply to campaign mail: parsed as the email channel parses it, it opens a request in
the desk and counts as the campaign's response; a quoted stranger's message id does not."""

from __future__ import annotations

from sqlalchemy import select

from channels.email.parser import parse_mail
from channels.messages import InboundMessage
from crm_core.campaigns.analytics import campaign_figures
from crm_core.campaigns.models import Campaign, Delivery
from crm_core.db import utcnow
from servicedesk.campaign_mail import run_campaign
from servicedesk.desk.intake import receive_inbound
from servicedesk.desk.models import ServiceRequest
from tests.integration.marketing.helpers import SETTINGS, make_audience, make_campaign, smtp_sink


def reply(sender: str, message_id: str, text: str, number: int) -> bytes:
    return (
        f"From: {sender}\r\nTo: support@desk.example\r\nSubject: Re: news\r\n"
        f"Message-ID: <reply{number}@customer.example>\r\nIn-Reply-To: {message_id}\r\n"
        f"References: {message_id}\r\n\r\n{text}\r\n"
    ).encode()


def sent_to_two(uow_factory) -> tuple[int, dict[str, str]]:  # type: ignore[no-untyped-def]
    """A campaign sent to kim0 and kim1; its id and each recipient's Message-ID."""
    with uow_factory() as uow:
        make_audience(uow, 2)
        campaign_id = make_campaign(uow).id
        uow.commit()
    with smtp_sink() as (sink, url):
        run_campaign(uow_factory, campaign_id, SETTINGS, url, utcnow)
    return campaign_id, {rcpts[0]: mail["Message-ID"] for rcpts, mail in sink.mails}


def test_a_reply_opens_a_request_and_counts_for_the_campaign(uow_factory) -> None:  # type: ignore[no-untyped-def]
    campaign_id, ids = sent_to_two(uow_factory)
    kim0, kim1 = "kim0@customer.example", "kim1@customer.example"
    asks = parse_mail(reply(kim0, ids[kim0], "My order never came, can you help?", 1))
    forged = parse_mail(reply(kim1, ids[kim0], "I quote someone else's mail", 2))
    assert isinstance(asks, InboundMessage) and isinstance(forged, InboundMessage)
    with uow_factory() as uow:
        opened = receive_inbound(uow, asks)
        receive_inbound(uow, forged)
        uow.commit()
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, opened.request_id)
        assert request is not None and opened.outcome == "created"
        replied = uow.session.scalars(
            select(Delivery.email).where(Delivery.replied_at.is_not(None))
        ).all()
        figures = campaign_figures(uow.session, [uow.session.get(Campaign, campaign_id)])
    assert replied == [kim0]
    assert figures.replied == 1


def test_a_reply_that_only_thanks_is_kept_on_a_request_filed_as_solved(uow_factory) -> None:  # type: ignore[no-untyped-def]
    campaign_id, ids = sent_to_two(uow_factory)
    kim0, kim1 = "kim0@customer.example", "kim1@customer.example"
    thanks = parse_mail(reply(kim0, ids[kim0], "Great, thanks again!", 3))
    sounds_thankful = parse_mail(reply(kim1, ids[kim1], "Thanks, but my invoice is wrong", 4))
    assert isinstance(thanks, InboundMessage) and isinstance(sounds_thankful, InboundMessage)
    with uow_factory() as uow:
        filed = receive_inbound(uow, thanks)
        kept_open = receive_inbound(uow, sounds_thankful)
        uow.commit()
    with uow_factory() as uow:
        statuses = {r.id: r.status.value for r in uow.session.scalars(select(ServiceRequest))}
        figures = campaign_figures(uow.session, [uow.session.get(Campaign, campaign_id)])
    assert statuses == {filed.request_id: "solved", kept_open.request_id: "new"}
    assert figures.replied == 2  # both count as the campaign's responses
