"""Segments, campaigns, their variants, one delivery row per recipient, and suppressions."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db import Base, string_enum, utcnow
from crm_core.money import Money


class Channel(enum.StrEnum):
    """How a campaign reaches its audience: mail to each recipient, one post in each of
    the campaign's Slack channels, or a banner in the help centre while it runs."""

    EMAIL = "email"
    SLACK = "slack"  # a Slack announcement
    PORTAL = "portal"  # a help-centre banner


SENDABLE_CHANNELS = frozenset({Channel.EMAIL, Channel.SLACK, Channel.PORTAL})


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    TESTING = "testing"  # A/B sample sent, waiting for the test window to end
    SENDING = "sending"
    SENT = "sent"


class DeliveryStatus(enum.StrEnum):
    """A recipient's row: pending -> claimed (by a worker) -> sending -> sent.

    `held` rows wait for the A/B winner; `uncertain` rows were being handed to SMTP when a
    worker died: they are never sent again automatically, so nobody gets the mail twice.
    """

    HELD = "held"
    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    SKIPPED = "skipped"  # unsubscribed or no longer eligible when its turn came


class Segment(Base):
    """A saved audience: rules over customers, compiled to one SQL query."""

    __tablename__ = "marketing_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The rules as written ("stage = loyal", "orders = 0 within 60"), one per line.
    rules: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Campaign(Base):
    """A planned or sent campaign with its audience, budget and costs."""

    __tablename__ = "marketing_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    goal: Mapped[str] = mapped_column(String(500), default="")
    channel: Mapped[Channel] = mapped_column(string_enum(Channel), default=Channel.EMAIL)
    status: Mapped[CampaignStatus] = mapped_column(
        string_enum(CampaignStatus), default=CampaignStatus.DRAFT, index=True
    )
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_segments.id"))
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    budget: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    actual_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)  # an agent; no FK
    # A/B: the share of the audience (percent) that gets the variants, the metric that
    # decides ("open" or "click"), how long the test runs, and the variant that won.
    ab_sample_percent: Mapped[int] = mapped_column(Integer, default=0)
    ab_metric: Mapped[str] = mapped_column(String(10), default="click")
    ab_hours: Mapped[int] = mapped_column(Integer, default=24)
    ab_winner: Mapped[str | None] = mapped_column(String(10))
    # Orders, leads and deals by a recipient within this many days after the send count.
    attribution_days: Mapped[int] = mapped_column(Integer, default=30)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A Slack announcement: the channel ids of our workspace it is posted in, one per word.
    slack_channels: Mapped[str] = mapped_column(String(500), default="")
    # A portal banner shows from `scheduled_at` (or its start) until `ends_at`, to the
    # segment's signed-in customers, and to anonymous visitors too when this is set.
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    show_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def slack_targets(self) -> list[str]:
        return list(dict.fromkeys(self.slack_channels.replace(",", " ").split()))


class Variant(Base):
    """One version of a campaign's mail; a campaign without an A/B test has one, "A"."""

    __tablename__ = "marketing_variants"
    __table_args__ = (UniqueConstraint("campaign_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaigns.id"), index=True)
    label: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The library's email template version the three parts were taken from (pinned: a
    # version never changes, so the copy above is that version's text). None: written inline.
    template_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketing_resource_versions.id")
    )


class Delivery(Base):
    """The campaign's mail to one customer: at most one row per (campaign, customer)."""

    __tablename__ = "marketing_deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_id"),
        Index("ix_marketing_deliveries_work", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaigns.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    variant: Mapped[str | None] = mapped_column(String(10))
    ab_sample: Mapped[bool] = mapped_column(Boolean, default=False)  # sent during the A/B test
    status: Mapped[DeliveryStatus] = mapped_column(
        string_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    claim: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first reply by mail (the desk's intake opened or continued a request with it).
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(500))


class Suppression(Base):
    """An address that gets no campaign mail: unsubscribed, bounced or complained."""

    __tablename__ = "marketing_suppressions"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)  # normalised
    reason: Mapped[str] = mapped_column(String(40))  # unsubscribed, bounced, complained
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PostStatus(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    FAILED = "failed"  # Slack refused it for good (no such channel, not a member, ...)


class ChannelPost(Base):
    """A Slack announcement's post in one channel: at most one row per (campaign, channel).

    Slack's own exactly-once (claim, call, record) is the Slack post ledger's, under the
    key `campaign:<id>:<channel>`; this row is the campaign's record of it.
    """

    __tablename__ = "marketing_posts"
    __table_args__ = (UniqueConstraint("campaign_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaigns.id"))
    target: Mapped[str] = mapped_column(String(80))  # the Slack channel id
    status: Mapped[PostStatus] = mapped_column(string_enum(PostStatus), default=PostStatus.PENDING)
    ts: Mapped[str | None] = mapped_column(String(40))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(500))


class TouchKind(enum.StrEnum):
    IMPRESSION = "impression"  # a banner shown
    CLICK = "click"  # a tracked link of a Slack post or a banner followed
    DISMISS = "dismiss"  # a banner closed by a signed-in customer: not shown to them again


class Touch(Base):
    """One reaction to a Slack post or a banner; `customer_id` when we know who (a
    signed-in help centre customer), None for anonymous visitors and Slack readers."""

    __tablename__ = "marketing_touches"
    __table_args__ = (
        Index("ix_marketing_touches_campaign", "campaign_id", "kind"),
        Index("ix_marketing_touches_customer", "customer_id", "campaign_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaigns.id"))
    kind: Mapped[TouchKind] = mapped_column(string_enum(TouchKind))
    source: Mapped[str] = mapped_column(String(80))  # "banner" or "slack:<channel id>"
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
