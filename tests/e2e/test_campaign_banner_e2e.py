"""A help-centre banner campaign in Chromium: shown to a visitor, dismissed, gone."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from crm_core.access import Viewer
from crm_core.campaigns.models import Channel
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from servicedesk.container import Container
from servicedesk.jobs import send_campaign
from tests.e2e.conftest import new_page
from tests.integration.sockets.live import LiveServer


def test_the_banner_shows_and_dismisses(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    with container.uow() as uow:
        draft = CampaignDraft(
            name="Spring",
            channel=Channel.PORTAL,
            show_anonymous=True,
            mails=[
                MailDraft(
                    "A", "Spring offers", "", '<p><a href="https://shop.example/">Shop</a></p>'
                )
            ],
        )
        campaign_id = save_campaign(uow.session, Viewer.system(), draft).id
        uow.commit()
    send_campaign(container, campaign_id)
    page = new_page(browser)
    page.goto(f"{live.url}/help")
    banner = page.get_by_role("complementary", name="Spring offers")
    expect(banner).to_be_visible()
    href = banner.get_by_role("link", name="Shop").get_attribute("href") or ""
    assert href.startswith(f"{live.url}/help/b/"), "the link is the signed click redirect"
    banner.get_by_role("button", name="Dismiss this announcement").click()
    page.wait_for_url(f"{live.url}/help")
    expect(page.get_by_role("complementary", name="Spring offers")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("complementary", name="Spring offers")).to_have_count(0)
