"""Portal-banner campaigns: which banner a help centre visitor sees, and its content.

A banner is live while its campaign is scheduled or started, from `scheduled_at` (or the
start) until `ends_at`. Signed-in customers see it when they are in the campaign's
segment; anonymous visitors only when the audience is everyone (no segment) and the
campaign allows them (`show_anonymous`).

Consent: a banner in our own help centre is not marketing mail, so it needs no
marketing-mail consent. It does respect an opt-out: a customer whose newest answer for
marketing mail is a withdrawal, whose address was unsubscribed from or complained about
campaign mail, or who asked to be contacted for nothing at all, sees no banner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from crm_core.campaigns.announcements import post_values
from crm_core.campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Segment,
    Suppression,
    Variant,
)
from crm_core.campaigns.rendering import render_html, render_text, track_links
from crm_core.customers.models import Customer
from crm_core.privacy.consent import ALL_PURPOSES, ConsentRecord, Purpose, is_suppressed
from crm_core.timeline import as_utc

LIVE_STATUSES = (CampaignStatus.SCHEDULED, CampaignStatus.SENDING)
# The audience of a segment's rules at a moment: `SELECT customers.id ...` (the desk's
# compiler, which knows the request fields).
AudienceOf = Callable[[str, datetime], Select[Any]]


@dataclass(frozen=True)
class Banner:
    campaign_id: int
    title: str
    html: str  # sanitised, its links through the signed click redirect


def live_banners(session: Session, now: datetime) -> list[Campaign]:
    """Banner campaigns running now, the latest started first."""
    rows = session.scalars(
        select(Campaign).where(
            Campaign.channel == Channel.PORTAL, Campaign.status.in_(LIVE_STATUSES)
        )
    ).all()
    live = [c for c in rows if _within(c, now)]
    return sorted(
        live, key=lambda c: as_utc(c.scheduled_at or c.started_at or c.created_at), reverse=True
    )


def _within(campaign: Campaign, now: datetime) -> bool:
    # Compared here, not in SQL: SQLite keeps these as text (few banners run at once).
    start = campaign.scheduled_at or campaign.started_at
    if start is None or as_utc(start) > now:
        return False
    return campaign.ends_at is None or now < as_utc(campaign.ends_at)


def may_see(
    session: Session,
    campaign: Campaign,
    customer_id: int | None,
    audience_of: AudienceOf,
    now: datetime,
) -> bool:
    """Whether this visitor (None: not signed in) is in the banner's audience."""
    segment = session.get(Segment, campaign.segment_id) if campaign.segment_id else None
    if customer_id is None:
        return segment is None and campaign.show_anonymous
    if opted_out(session, customer_id):
        return False
    if segment is None:
        return True
    member = audience_of(segment.rules, now).where(Customer.id == customer_id).limit(1)
    return session.execute(member).first() is not None


def opted_out(session: Session, customer_id: int) -> bool:
    """A recorded marketing opt-out (see the module docstring)."""
    newest = session.scalar(
        select(ConsentRecord.granted)
        .where(
            ConsentRecord.customer_id == customer_id,
            ConsentRecord.purpose == Purpose.MARKETING_EMAIL.value,
        )
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )
    if newest is False:
        return True
    email = (session.scalar(select(Customer.email).where(Customer.id == customer_id)) or "").lower()
    if not email:
        return False
    unsubscribed = session.scalar(
        select(Suppression.email).where(
            Suppression.email == email, Suppression.reason.in_(["unsubscribed", "complained"])
        )
    )
    return unsubscribed is not None or is_suppressed(session, email, ALL_PURPOSES)


def banner_content(session: Session, campaign: Campaign, link: Callable[[str], str]) -> Banner:
    """The banner's title and sanitised HTML (variant A), its links made trackable."""
    variant = session.scalar(
        select(Variant).where(Variant.campaign_id == campaign.id).order_by(Variant.label)
    )
    values = post_values(campaign)
    title = render_text(variant.subject, values).strip() if variant else campaign.name
    html = render_html(variant.body_html, values) if variant and variant.body_html.strip() else ""
    return Banner(campaign.id, " ".join(title.split()) or campaign.name, track_links(html, link))
