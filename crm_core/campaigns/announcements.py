"""Slack announcement campaigns: one post in each of the campaign's channels, exactly once.

A row per (campaign, channel) is planned first; each post goes through a `Poster` that
claims its key (`campaign:<id>:<channel>`) before calling Slack and looks for a post in
doubt before posting again (the Slack post ledger), so a retried job never posts twice.
The post's links become signed click redirects, counted per channel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    ChannelPost,
    PostStatus,
    Variant,
)
from crm_core.campaigns.resources.templates import render_slack_text
from crm_core.campaigns.touches import slack_source, touch_link
from crm_core.db import UnitOfWork

# (key, Slack channel id, text) -> the post's ts; raises `PostRefused` when Slack says no
# for good, anything else when a retry may help.
Poster = Callable[[str, str, str], str]
# A bare URL or the URL part of Slack's `<url|label>`.
_URL = re.compile(r"https?://[^\s<>|]+")


class PostRefused(Exception):
    """Slack refused the post for good (no such channel, the app not in it, ...)."""


class AnnouncementError(ValueError):
    """The announcement cannot be posted as planned; the message says why."""


@dataclass
class PostOutcome:
    posted: int = 0
    failed: int = 0


def render_slack_post(template: str, values: Mapping[str, Any], link: Callable[[str], str]) -> str:
    """The post's text: the template rendered in the resource library's Slack sandbox
    (values escaped for Slack, so a campaign named "<!channel>" pings nobody), its links
    made trackable. The one place Slack posts are rendered."""
    return _URL.sub(lambda match: link(match.group(0)), render_slack_text(template, values))


def post_values(campaign: Campaign) -> dict[str, Any]:
    """What a Slack post template may use: the campaign's name and goal, as plain values."""
    return {"campaign": {"name": campaign.name, "goal": campaign.goal}}


def plan_posts(session: Session, campaign: Campaign, now: datetime) -> int:
    """A pending post row per target channel not planned yet; returns how many were added."""
    if campaign.channel != Channel.SLACK:
        raise AnnouncementError(f"channel {campaign.channel.value}: not a Slack announcement")
    if not campaign.slack_targets:
        raise AnnouncementError("slack_channels: name at least one Slack channel id")
    if _template(session, campaign.id) is None:
        raise AnnouncementError("the announcement has no text yet")
    planned = set(
        session.scalars(select(ChannelPost.target).where(ChannelPost.campaign_id == campaign.id))
    )
    added = [t for t in campaign.slack_targets if t not in planned]
    session.add_all(ChannelPost(campaign_id=campaign.id, target=t) for t in added)
    campaign.status = CampaignStatus.SENDING
    campaign.started_at = campaign.started_at or now
    session.flush()
    return len(added)


def _template(session: Session, campaign_id: int) -> str | None:
    text = session.scalar(
        select(Variant.body_text).where(Variant.campaign_id == campaign_id).order_by(Variant.label)
    )
    return text if text and text.strip() else None


def post_announcement(
    uow_factory: Callable[[], UnitOfWork],
    campaign_id: int,
    poster: Poster,
    *,
    secret: str,
    base_url: str,
    clock: Callable[[], datetime],
) -> PostOutcome:
    """Post every pending row of the campaign; safe to run again after a crash or an error.

    No transaction stays open during a Slack call: the post ledger writes in its own."""
    with uow_factory() as uow:
        template, values, pending = _work(uow.session, campaign_id)
    outcome = PostOutcome()
    for target in pending:
        link = partial(touch_link, secret, base_url, campaign_id, slack_source(target))
        text = render_slack_post(template, values, link)
        try:
            ts, error = poster(f"campaign:{campaign_id}:{target}", target, text), None
        except PostRefused as refused:
            ts, error = None, str(refused)[:500]
        with uow_factory() as uow:
            _record(uow.session, campaign_id, target, ts, error, clock())
            uow.commit()
        outcome.posted, outcome.failed = outcome.posted + bool(ts), outcome.failed + bool(error)
    with uow_factory() as uow:
        _finish(uow.session, campaign_id)
        uow.commit()
    return outcome


def _work(session: Session, campaign_id: int) -> tuple[str, dict[str, Any], list[str]]:
    """The post's template and values, and the channels still waiting for it."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")
    pending = session.scalars(
        select(ChannelPost.target).where(
            ChannelPost.campaign_id == campaign_id, ChannelPost.status == PostStatus.PENDING
        )
    )
    return _template(session, campaign_id) or "", post_values(campaign), list(pending)


def _record(
    session: Session,
    campaign_id: int,
    target: str,
    ts: str | None,
    error: str | None,
    now: datetime,
) -> None:
    post = session.scalar(
        select(ChannelPost).where(
            ChannelPost.campaign_id == campaign_id, ChannelPost.target == target
        )
    )
    if post is None:
        return
    if ts:
        post.status, post.ts, post.posted_at = PostStatus.POSTED, ts, now
    else:
        post.status, post.error = PostStatus.FAILED, error


def _finish(session: Session, campaign_id: int) -> None:
    waiting = session.scalar(
        select(func.count(ChannelPost.id)).where(
            ChannelPost.campaign_id == campaign_id, ChannelPost.status == PostStatus.PENDING
        )
    )
    campaign = session.get(Campaign, campaign_id)
    if campaign is not None and not waiting:
        campaign.status = CampaignStatus.SENT
