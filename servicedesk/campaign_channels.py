"""A campaign's run, whatever its channel: mail through SMTP, a Slack announcement through
the Slack adapter's post ledger, or a help centre banner put up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from channels.base import DeliveryRefused
from channels.slack.adapter import SlackAdapter
from channels.slack.notify import announce
from crm_core.campaigns.announcements import PostOutcome, PostRefused, plan_posts, post_announcement
from crm_core.campaigns.models import Campaign, CampaignStatus, Channel
from crm_core.campaigns.sending import SendOutcome
from servicedesk.campaign_mail import campaign_settings, run_campaign
from servicedesk.desk.banners import start_banner
from servicedesk.job_context import JobContext


def run_any_campaign(
    context: JobContext, campaign_id: int, clock: Callable[[], datetime]
) -> SendOutcome | PostOutcome | str:
    """Send or start the campaign on its channel; safe to run twice."""
    with context.uow() as uow:
        campaign = uow.session.get(Campaign, campaign_id)
        if campaign is None:
            raise LookupError(f"no campaign {campaign_id}")
        channel = campaign.channel
        if channel == Channel.PORTAL:
            if campaign.status in {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}:
                start_banner(uow.session, campaign, clock())
                uow.commit()
            return f"banner {campaign.status.value}"
    config = context.config
    if channel == Channel.SLACK:
        return run_announcement(context, campaign_id, clock)
    return run_campaign(
        context.uow, campaign_id, campaign_settings(config), str(config.mail_smtp_url), clock
    )


def run_announcement(
    context: JobContext, campaign_id: int, clock: Callable[[], datetime]
) -> PostOutcome:
    """Plan (first time) and post the announcement in each of its Slack channels."""
    adapter = context.adapters.get("slack") if "slack" in context.adapters else None
    if not isinstance(adapter, SlackAdapter) or adapter.posts is None:
        raise LookupError(
            "Slack announcements need SERVICEDESK_SLACK_BOT_TOKEN and _SIGNING_SECRET"
        )
    with context.uow() as uow:
        campaign = uow.session.get(Campaign, campaign_id)
        if campaign is not None and campaign.status in {
            CampaignStatus.DRAFT,
            CampaignStatus.SCHEDULED,
        }:
            plan_posts(uow.session, campaign, clock())
            uow.commit()

    def poster(key: str, channel: str, text: str) -> str:
        try:
            return announce(adapter, key=key, channel=channel, text=text)
        except DeliveryRefused as error:
            raise PostRefused(str(error)) from error

    config = context.config
    return post_announcement(
        context.uow,
        campaign_id,
        poster,
        secret=config.secret_key,
        base_url=config.base_url,
        clock=clock,
    )
