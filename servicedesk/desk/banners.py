"""The help centre's campaign banner: which one a visitor sees, impressions, dismissals.

The rules are crm_core's (`crm_core.campaigns.banners`); the desk adds the segment
fields over requests, which crm_core cannot see.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from crm_core.campaigns import segments
from crm_core.campaigns.banners import Banner, banner_content, live_banners, may_see
from crm_core.campaigns.models import Campaign, CampaignStatus, Channel, TouchKind
from crm_core.campaigns.sending import CampaignError
from crm_core.campaigns.touches import BANNER, add_touch, dismissed_by
from crm_core.timeline import as_utc
from servicedesk.desk.campaigns import REQUEST_RULES

# A campaign's id -> how its banner's links are tracked.
LinkFactory = Callable[[int], Callable[[str], str]]


def audience_of(rules: str, now: datetime) -> Select[Any]:
    return segments.segment_query(segments.parse_rules(rules), now, REQUEST_RULES)


def banner_for(
    session: Session,
    customer_id: int | None,
    hidden: Collection[int],
    now: datetime,
    links: LinkFactory,
) -> Banner | None:
    """The banner this visitor sees now (counted as an impression), or None.

    `hidden`: banners an anonymous visitor closed (kept in their cookie); a signed-in
    customer's dismissals are remembered in the database."""
    dismissed = dismissed_by(session, customer_id) if customer_id is not None else set()
    for campaign in live_banners(session, now):
        if campaign.id in hidden or campaign.id in dismissed:
            continue
        if may_see(session, campaign, customer_id, audience_of, now):
            add_touch(session, campaign.id, TouchKind.IMPRESSION, BANNER, customer_id, now)
            return banner_content(session, campaign, links(campaign.id))
    return None


def dismiss_banner(
    session: Session, campaign_id: int, customer_id: int | None, now: datetime
) -> bool:
    """Remember that the visitor closed the banner; False for no such banner campaign."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.channel != Channel.PORTAL:
        return False
    add_touch(session, campaign_id, TouchKind.DISMISS, BANNER, customer_id, now)
    return True


def start_banner(session: Session, campaign: Campaign, now: datetime) -> None:
    """Put the banner up now (or at its scheduled time, if that is later)."""
    if campaign.channel != Channel.PORTAL:
        raise CampaignError(f"channel {campaign.channel.value}: not a portal banner")
    if campaign.ends_at is not None and as_utc(campaign.ends_at) <= now:
        raise CampaignError("ends_at: the banner's end is already past")
    campaign.status = CampaignStatus.SENDING
    campaign.started_at = campaign.started_at or now


def end_banners(session: Session, now: datetime) -> list[int]:
    """Mark banners whose end has passed as sent (they are no longer shown anyway)."""
    ended = []
    running = select(Campaign).where(
        Campaign.channel == Channel.PORTAL, Campaign.status == CampaignStatus.SENDING
    )
    for campaign in session.scalars(running):
        if campaign.ends_at is not None and as_utc(campaign.ends_at) <= now:
            campaign.status = CampaignStatus.SENT
            ended.append(campaign.id)
    return ended
