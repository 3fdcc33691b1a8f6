"""Slack announcement campaigns against the Slack Web API stub: one post per channel even
across a lost answer and a retried job, tracked links counted per channel, the figures."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from crm_core.access import Viewer
from crm_core.campaigns.analytics import campaign_report, channel_report
from crm_core.campaigns.models import Campaign, CampaignStatus, Channel, ChannelPost, PostStatus
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.jobs import send_campaign
from tests.fixtures.slack_stub import SlackStub
from tests.integration.web.conftest import sign_in

TEXT = (
    "*{{ campaign.name }}* is on: <https://shop.example/spring?a=1|see the offers> "
    "or https://shop.example/faq"
)


def announcement(container: Container, channels: str = "CNEWS CPROMO") -> int:
    with container.uow() as uow:
        draft = CampaignDraft(
            name="Spring in Slack",
            channel=Channel.SLACK,
            slack_channels=channels,
            mails=[MailDraft("A", "", TEXT)],
        )
        campaign_id = save_campaign(uow.session, Viewer.system(), draft).id
        uow.commit()
    return campaign_id


def posts_of(stub: SlackStub) -> list[dict[str, object]]:
    return [p for p in stub.called("chat.postMessage") if "Spring in Slack" in str(p["text"])]


def test_a_retried_announcement_posts_once_per_channel(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    campaign_id = announcement(container)
    stub.post_failures = ["timeout"]  # the first post is made, its answer is lost
    with pytest.raises(Exception):  # noqa: B017,PT011 - the SDK's own transport error
        send_campaign(container, campaign_id)
    send_campaign(container, campaign_id)  # the job's retry
    send_campaign(container, campaign_id)  # and a duplicate job
    posts = posts_of(stub)
    assert sorted(str(p["channel"]) for p in posts) == ["CNEWS", "CPROMO"]
    assert stub.called("conversations.history"), "the retry looked for the post in doubt"
    with container.uow() as uow:
        rows = uow.session.query(ChannelPost).filter_by(campaign_id=campaign_id).all()
        assert {(r.target, r.status) for r in rows} == {
            ("CNEWS", PostStatus.POSTED),
            ("CPROMO", PostStatus.POSTED),
        }
        assert uow.session.get(Campaign, campaign_id).status == CampaignStatus.SENT
    assert all(p["metadata"]["event_payload"]["key"].startswith("campaign:") for p in posts)


def test_the_posts_links_are_tracked_per_channel_and_forgeries_refused(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    campaign_id = announcement(container)
    send_campaign(container, campaign_id)
    by_channel = {str(p["channel"]): str(p["text"]) for p in posts_of(stub)}
    assert "shop.example" not in by_channel["CNEWS"], "every link goes through the redirect"
    links = re.findall(r"http://desk\.example(/marketing/t/l/[^\s|>]+)", by_channel["CNEWS"])
    assert len(links) == 2
    assert "|see the offers>" in by_channel["CNEWS"]
    first = client.get(links[0])
    assert first.status_code == 302
    assert first.headers["Location"] == "https://shop.example/spring?a=1"
    assert client.get(links[1]).headers["Location"] == "https://shop.example/faq"
    assert client.get(links[0][:-3] + "abc").status_code == 404  # a forged signature
    with container.uow() as uow:
        report = campaign_report(uow.session, uow.session.get(Campaign, campaign_id))
        per_channel = channel_report(uow.session)
    assert report["figures"]["posted"] == 2
    assert report["figures"]["clicked"] == 2
    assert per_channel["slack"]["clicked"] == 2
    assert urlsplit(links[0]).path.startswith("/marketing/t/l/")


def test_a_channel_slack_refuses_is_recorded_and_the_others_posted(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    campaign_id = announcement(container, "CGONE CNEWS")
    stub.post_failures = ["channel_not_found"]
    send_campaign(container, campaign_id)
    send_campaign(container, campaign_id)  # nothing left to post
    with container.uow() as uow:
        rows = {
            r.target: r for r in uow.session.query(ChannelPost).filter_by(campaign_id=campaign_id)
        }
        assert rows["CGONE"].status == PostStatus.FAILED
        assert "channel_not_found" in (rows["CGONE"].error or "")
        assert rows["CNEWS"].status == PostStatus.POSTED
    assert [p["channel"] for p in posts_of(stub) if "_ts" in p] == ["CNEWS"]
    with container.uow() as uow:
        create_agent(
            uow.session, "mia@desk.example", "mia-password", name="Mia", roles=["marketing"]
        )
        uow.commit()
    assert sign_in(client, "mia@desk.example", "mia-password").status_code == 302
    page = client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True)
    assert "CGONE: failed" in page and "channel_not_found" in page and "CNEWS: posted" in page


def test_a_slack_campaign_without_channels_is_refused_by_field(container: Container) -> None:
    with container.uow() as uow, pytest.raises(ValueError, match="slack_channels"):
        save_campaign(
            uow.session,
            Viewer.system(),
            CampaignDraft(name="x", channel=Channel.SLACK, mails=[MailDraft("A", "", "hi")]),
        )


def test_a_click_from_a_browser_signed_in_to_the_help_centre_is_the_customers(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    import time

    from sqlalchemy import select

    from crm_core.campaigns.models import Touch
    from servicedesk.desk.customer_accounts import account_of
    from servicedesk.sockets.portal_realm import CUSTOMER, SIGNED_IN_AT, VERSION
    from tests.factories import make_customer

    with container.uow() as uow:
        customer = make_customer(uow, "Maria", email="maria@customer.example")
        version = account_of(uow.session, customer).session_version
        customer_id = customer.id
        uow.commit()
    campaign_id = announcement(container, "CNEWS")
    send_campaign(container, campaign_id)
    link = re.findall(
        r"http://desk\.example(/marketing/t/l/[^\s|>]+)", str(posts_of(stub)[0]["text"])
    )
    with client.session_transaction() as session:
        session.update({CUSTOMER: customer_id, VERSION: version, SIGNED_IN_AT: int(time.time())})
    assert client.get(link[0]).status_code == 302
    with container.uow() as uow:
        assert uow.session.scalars(select(Touch.customer_id)).all() == [customer_id]
