"""Creating and changing campaigns and their mail; checked for the viewer's role."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import ADMIN, MARKETING, READ_ONLY, Viewer
from crm_core.campaigns.models import Campaign, CampaignStatus, Channel, Variant
from crm_core.campaigns.rendering import CAMPAIGN_SAMPLE, SAMPLE, check_template
from crm_core.campaigns.resources.content import email_template

VIEW_ROLES = frozenset({ADMIN, MARKETING, READ_ONLY})
WRITE_ROLES = frozenset({ADMIN, MARKETING})
# Slack conversation ids: public (C), private (G) channels; separated by spaces or commas.
_SLACK_IDS = re.compile(r"[CG][A-Z0-9]{2,20}([ ,]+[CG][A-Z0-9]{2,20})*")


class NotAllowed(PermissionError):
    """The viewer's roles do not allow this."""


def require_view(viewer: Viewer) -> None:
    if not viewer.roles & VIEW_ROLES:
        raise NotAllowed("marketing pages are for marketing, admin and read-only users")


def require_write(viewer: Viewer) -> None:
    if not viewer.roles & WRITE_ROLES:
        raise NotAllowed("only marketing and admin users change campaigns")


@dataclass(frozen=True)
class MailDraft:
    label: str
    subject: str
    body_text: str
    body_html: str = ""
    # An email template version from the library: its parts replace the three above.
    template_version_id: int | None = None


@dataclass(frozen=True)
class CampaignDraft:
    name: str
    goal: str = ""
    channel: Channel = Channel.EMAIL
    segment_id: int | None = None
    scheduled_at: datetime | None = None
    slack_channels: str = ""
    ends_at: datetime | None = None
    show_anonymous: bool = False
    budget: Decimal = Decimal("0")
    actual_cost: Decimal = Decimal("0")
    owner_id: int | None = None
    ab_sample_percent: int = 0
    ab_metric: str = "click"
    ab_hours: int = 24
    attribution_days: int = 30
    mails: list[MailDraft] = field(default_factory=list)


def save_campaign(
    session: Session, viewer: Viewer, draft: CampaignDraft, campaign_id: int | None = None
) -> Campaign:
    """Create or change a campaign and its mail variants (templates checked in the sandbox)."""
    require_write(viewer)
    draft = _checked(session, draft)
    campaign = session.get(Campaign, campaign_id) if campaign_id else Campaign()
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")
    if campaign_id and campaign.status not in {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}:
        draft = replace(draft, mails=[])  # sent mail stays as sent
    _copy_plan(campaign, draft)
    campaign.name = draft.name.strip()
    if draft.scheduled_at and campaign.status == CampaignStatus.DRAFT:
        campaign.status = CampaignStatus.SCHEDULED
    session.add(campaign)
    session.flush()
    _save_mails(session, campaign, draft.mails)
    return campaign


def _checked(session: Session, draft: CampaignDraft) -> CampaignDraft:
    """The draft with library templates filled in, after checking its fields and templates."""
    if not draft.name.strip():
        raise ValueError("name: a campaign needs a name")
    if not 0 <= draft.ab_sample_percent <= 100:
        raise ValueError("ab_sample_percent: between 0 and 100")
    if draft.ab_metric not in {"open", "click"}:
        raise ValueError("ab_metric: open or click")
    _check_channel(draft)
    sample = SAMPLE if draft.channel == Channel.EMAIL else CAMPAIGN_SAMPLE
    mails = [_from_library(session, mail) for mail in draft.mails]
    for mail in mails:
        for part in (mail.subject, mail.body_text, mail.body_html):
            check_template(part, sample)
    return replace(draft, mails=mails)


PLAN_FIELDS = (
    "goal",
    "channel",
    "segment_id",
    "scheduled_at",
    "slack_channels",
    "ends_at",
    "show_anonymous",
    "budget",
    "actual_cost",
    "owner_id",
    "ab_sample_percent",
    "ab_metric",
    "ab_hours",
    "attribution_days",
)


def _copy_plan(campaign: Campaign, draft: CampaignDraft) -> None:
    for name in PLAN_FIELDS:
        setattr(campaign, name, getattr(draft, name))


def _check_channel(draft: CampaignDraft) -> None:
    """What each channel needs, named by field."""
    if draft.channel == Channel.SLACK and not _SLACK_IDS.fullmatch(draft.slack_channels.strip()):
        raise ValueError("slack_channels: one or more Slack channel ids (C0123ABCD), by spaces")
    if draft.show_anonymous and (draft.channel != Channel.PORTAL or draft.segment_id):
        raise ValueError("show_anonymous: only for a banner to everyone (no segment)")
    if draft.ends_at and draft.scheduled_at and draft.ends_at <= draft.scheduled_at:
        raise ValueError("ends_at: must come after the start")


def _save_mails(session: Session, campaign: Campaign, mails: list[MailDraft]) -> None:
    existing = {
        v.label: v
        for v in session.scalars(select(Variant).where(Variant.campaign_id == campaign.id))
    }
    for mail in mails:
        variant = existing.get(mail.label) or Variant(campaign_id=campaign.id, label=mail.label)
        variant.subject, variant.body_text, variant.body_html = (
            mail.subject,
            mail.body_text,
            mail.body_html,
        )
        variant.template_version_id = mail.template_version_id
        session.add(variant)
    session.flush()


def _from_library(session: Session, mail: MailDraft) -> MailDraft:
    """The mail with its template version's parts, when it names one."""
    if mail.template_version_id is None:
        return mail
    template = email_template(session, mail.template_version_id)
    return replace(
        mail, subject=template.subject, body_text=template.body_text, body_html=template.body_html
    )


def find_campaign(session: Session, name_or_id: str) -> Campaign | None:
    """A campaign by its id or exact name."""
    if name_or_id.isdigit():
        return session.get(Campaign, int(name_or_id))
    return session.scalar(select(Campaign).where(Campaign.name == name_or_id))


def record_cost(session: Session, viewer: Viewer, campaign_id: int, amount: Decimal) -> Campaign:
    """Set the campaign's actual costs so far."""
    require_write(viewer)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")
    campaign.actual_cost = amount
    return campaign
