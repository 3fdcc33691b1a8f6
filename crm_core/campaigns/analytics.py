"""Campaign figures: sent, delivered, opened, clicked, converted, revenue, cost, ROI, and
the Slack posts and banner views; summed per campaign or per channel.

A conversion is attributed to a campaign when a recipient orders (revenue), opens a deal,
or becomes a lead within `attribution_days` after their mail was sent (or after they
clicked its banner or Slack post, signed in to the help centre); a lead carrying the
campaign's id counts whenever it came.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from crm_core.campaigns.abtest import ab_result
from crm_core.campaigns.models import (
    Campaign,
    ChannelPost,
    Delivery,
    DeliveryStatus,
    PostStatus,
    Suppression,
    Touch,
    TouchKind,
)
from crm_core.customers.models import ChannelIdentity, IdentityKind
from crm_core.orders.models import NOT_REVENUE, Order
from crm_core.sales.models import Lead, Opportunity


@dataclass
class Figures:
    audience: int = 0
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    bounced: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    unsubscribed: int = 0
    # Slack announcements: channels posted in (also counted in `sent`); banners: views,
    # the signed-in customers who saw one, and dismissals.
    posted: int = 0
    impressions: int = 0
    reach: int = 0
    dismissed: int = 0
    converted: int = 0
    orders: int = 0
    leads: int = 0
    opportunities: int = 0
    revenue: Decimal = Decimal("0")
    cost: Decimal = Decimal("0")

    @property
    def roi(self) -> float | None:
        """(revenue - cost) / cost; None without costs."""
        return float((self.revenue - self.cost) / self.cost) if self.cost else None

    def rate(self, part: int) -> float:
        """Per mail or post delivered; a banner's per impression."""
        base = self.delivered or self.impressions
        return part / base if base else 0.0

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()
        }
        data["roi"] = None if self.roi is None else round(self.roi, 4)
        data["open_rate"] = round(self.rate(self.opened), 4)
        data["click_rate"] = round(self.rate(self.clicked), 4)
        return data


def _sent(campaign_ids: list[int]) -> Select[Any]:
    return select(Delivery.id).where(
        Delivery.campaign_id.in_(campaign_ids), Delivery.status == DeliveryStatus.SENT
    )


def _counts(session: Session, campaign_ids: list[int], figures: Figures) -> None:
    mine = Delivery.campaign_id.in_(campaign_ids)
    by_status = dict(
        session.execute(
            select(Delivery.status, func.count()).where(mine).group_by(Delivery.status)
        ).all()
    )
    figures.audience = sum(by_status.values())
    figures.sent = by_status.get(DeliveryStatus.SENT, 0)
    figures.failed = by_status.get(DeliveryStatus.FAILED, 0)
    figures.uncertain = by_status.get(DeliveryStatus.UNCERTAIN, 0)
    sent = and_(mine, Delivery.status == DeliveryStatus.SENT)
    figures.opened = session.scalar(select(func.count(Delivery.opened_at)).where(sent)) or 0
    figures.clicked = session.scalar(select(func.count(Delivery.clicked_at)).where(sent)) or 0
    figures.replied = session.scalar(select(func.count(Delivery.replied_at)).where(sent)) or 0
    bounced_identity = select(func.lower(ChannelIdentity.address)).where(
        ChannelIdentity.kind == IdentityKind.EMAIL, ChannelIdentity.bouncing.is_(True)
    )
    hard = select(Suppression.email).where(Suppression.reason.in_(["bounced", "complained"]))
    figures.bounced = (
        session.scalar(
            select(func.count()).where(
                sent, or_(Delivery.email.in_(bounced_identity), Delivery.email.in_(hard))
            )
        )
        or 0
    )
    figures.delivered = figures.sent - figures.bounced
    figures.unsubscribed = (
        session.scalar(
            select(func.count())
            .select_from(Suppression)
            .where(Suppression.campaign_id.in_(campaign_ids), Suppression.reason == "unsubscribed")
        )
        or 0
    )


def _touch_counts(session: Session, campaign_ids: list[int], figures: Figures) -> None:
    """Slack posts and banner reactions; their clicks add to the mail's."""
    figures.posted = (
        session.scalar(
            select(func.count(ChannelPost.id)).where(
                ChannelPost.campaign_id.in_(campaign_ids), ChannelPost.status == PostStatus.POSTED
            )
        )
        or 0
    )
    figures.sent += figures.posted
    figures.delivered += figures.posted
    mine = Touch.campaign_id.in_(campaign_ids)
    by_kind = dict(
        session.execute(select(Touch.kind, func.count()).where(mine).group_by(Touch.kind)).all()
    )
    figures.impressions = by_kind.get(TouchKind.IMPRESSION, 0)
    figures.dismissed = by_kind.get(TouchKind.DISMISS, 0)
    figures.clicked += by_kind.get(TouchKind.CLICK, 0)
    seen = select(func.count(func.distinct(Touch.customer_id)))
    figures.reach = session.scalar(seen.where(mine, Touch.kind == TouchKind.IMPRESSION)) or 0


def reached(campaign_id: int) -> Select[Any]:
    """(customer_id, sent_at) of everyone the campaign reached, once each: its mail sent,
    or a click on its Slack post or banner by a signed-in customer (the first click)."""
    mails = select(Delivery.customer_id, Delivery.sent_at).where(
        Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.SENT
    )
    clicks = select(Touch.customer_id, Touch.at.label("sent_at")).where(
        Touch.campaign_id == campaign_id,
        Touch.kind == TouchKind.CLICK,
        Touch.customer_id.is_not(None),
    )
    touches = mails.union_all(clicks).subquery()
    return select(touches.c.customer_id, func.min(touches.c.sent_at).label("sent_at")).group_by(
        touches.c.customer_id
    )


def _conversions(session: Session, campaigns: list[Campaign], figures: Figures) -> None:
    converted: set[int] = set()
    for campaign in campaigns:
        sent = reached(campaign.id).subquery()
        last_sent = session.scalar(select(func.max(sent.c.sent_at)))
        # After the recipient's own mail, and before the window closes after the last mail
        # (no date arithmetic in SQL: SQLite stores datetimes as text).
        end = (last_sent or datetime.min) + timedelta(days=campaign.attribution_days)

        def in_window(at: Any, sent: Any = sent, end: datetime = end) -> ColumnElement[bool]:
            return and_(at >= sent.c.sent_at, at <= end)

        orders = session.execute(
            select(Order.customer_id, Order.total)
            .join(sent, sent.c.customer_id == Order.customer_id)
            .where(Order.status.not_in(NOT_REVENUE), in_window(Order.ordered_at))
        ).all()
        figures.orders += len(orders)
        figures.revenue += sum((total for _, total in orders), Decimal("0"))
        converted.update(customer for customer, _ in orders)
        deals = session.scalars(
            select(Opportunity.customer_id)
            .join(sent, sent.c.customer_id == Opportunity.customer_id)
            .where(in_window(Opportunity.created_at))
        ).all()
        figures.opportunities += len(deals)
        converted.update(c for c in deals if c is not None)
        leads = session.execute(
            select(Lead.id, Lead.customer_id).where(Lead.campaign_id == campaign.id)
        ).all()
        figures.leads += len(leads)
        converted.update(c if c is not None else -lead_id for lead_id, c in leads)
    figures.converted = len(converted)


def campaign_figures(session: Session, campaigns: list[Campaign]) -> Figures:
    """The summed figures of these campaigns (one campaign, or every one of a channel)."""
    figures = Figures()
    ids = [c.id for c in campaigns]
    if not ids:
        return figures
    _counts(session, ids, figures)
    _touch_counts(session, ids, figures)
    _conversions(session, campaigns, figures)
    figures.cost = sum((c.actual_cost or Decimal("0") for c in campaigns), Decimal("0"))
    return figures


def campaign_report(session: Session, campaign: Campaign) -> dict[str, object]:
    """What the console page and `servicedesk marketing report` show, as JSON."""
    figures = campaign_figures(session, [campaign])
    result = ab_result(session, campaign)
    return {
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "channel": campaign.channel.value,
            "status": campaign.status.value,
            "budget": str(campaign.budget),
            "currency": campaign.currency,
            "winner": campaign.ab_winner,
        },
        "figures": figures.as_json(),
        "ab_test": result.as_json() if result else None,
    }


def channel_report(session: Session) -> dict[str, dict[str, object]]:
    """The figures summed per channel over every campaign."""
    campaigns = list(session.scalars(select(Campaign)))
    channels = sorted({c.channel.value for c in campaigns})
    return {
        channel: campaign_figures(
            session, [c for c in campaigns if c.channel.value == channel]
        ).as_json()
        for channel in channels
    }


def responsiveness(session: Session, limit: int = 10) -> list[tuple[int, int, int, int]]:
    """The most responsive customers: (customer_id, mails received, opened, clicked), by
    clicks then opens, over every campaign; clicks on banners and Slack posts by signed-in
    customers count as clicks."""
    mails = select(
        Delivery.customer_id.label("customer_id"),
        literal(1).label("received"),
        case((Delivery.opened_at.is_not(None), 1), else_=0).label("opened"),
        case((Delivery.clicked_at.is_not(None), 1), else_=0).label("clicked"),
    ).where(Delivery.status == DeliveryStatus.SENT)
    clicks = select(Touch.customer_id, literal(0), literal(0), literal(1)).where(
        Touch.kind == TouchKind.CLICK, Touch.customer_id.is_not(None)
    )
    both = union_all(mails, clicks).subquery()
    clicked, opened = func.sum(both.c.clicked), func.sum(both.c.opened)
    rows = session.execute(
        select(both.c.customer_id, func.sum(both.c.received), opened, clicked)
        .group_by(both.c.customer_id)
        .order_by(clicked.desc(), opened.desc(), both.c.customer_id)
        .limit(limit)
    ).all()
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in rows]
