"""The campaign touches of a customer's 360 timeline: mail sent, opened, clicked,
replied, unsubscribed; clicks on a banner or a Slack post; and conversions attributed to a campaign
(an order or a deal within its attribution window after the touch, a lead it brought)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from crm_core.campaigns.models import (
    Campaign,
    Delivery,
    DeliveryStatus,
    Suppression,
    Touch,
    TouchKind,
)
from crm_core.orders.models import NOT_REVENUE, Order
from crm_core.sales.models import Lead, Opportunity
from crm_core.timeline import TimelineEntry, as_utc

KIND = "campaign"
# A touch: (customer, campaign, its name, when, attribution days).
_Reach = tuple[int, int, str, datetime, int]


def campaign_timeline(session: Session, customer_ids: Sequence[int]) -> Iterable[TimelineEntry]:
    """A `TimelineSource`: every campaign event of these customers."""
    reaches: list[_Reach] = []
    yield from _mail_entries(session, customer_ids, reaches)
    yield from _touch_entries(session, customer_ids, reaches)
    yield from _conversions(session, customer_ids, reaches)
    yield from _unsubscribes(session, customer_ids)


def _mail_entries(
    session: Session, customer_ids: Sequence[int], reaches: list[_Reach]
) -> Iterator[TimelineEntry]:
    rows = session.execute(
        select(Delivery, Campaign.name, Campaign.attribution_days)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.customer_id.in_(customer_ids), Delivery.status == DeliveryStatus.SENT)
    ).all()
    for delivery, name, days in rows:
        if delivery.sent_at is None:
            continue
        ref = (KIND, delivery.campaign_id)
        reaches.append((delivery.customer_id, delivery.campaign_id, name, delivery.sent_at, days))
        yield TimelineEntry(
            delivery.sent_at, KIND, f"Campaign mail sent: {name}", delivery.email, ref
        )
        # A click records an open at the same moment: one entry says it.
        if delivery.opened_at and delivery.opened_at != delivery.clicked_at:
            yield TimelineEntry(delivery.opened_at, KIND, f"Opened campaign mail: {name}", "", ref)
        if delivery.clicked_at:
            yield TimelineEntry(
                delivery.clicked_at, KIND, f"Clicked campaign mail: {name}", "", ref
            )
        if delivery.replied_at:
            yield TimelineEntry(
                delivery.replied_at, KIND, f"Replied to campaign mail: {name}", "", ref
            )


def _unsubscribes(session: Session, customer_ids: Sequence[int]) -> Iterator[TimelineEntry]:
    rows = session.execute(
        select(Suppression, Campaign.name)
        .join(Delivery, and_(Delivery.email == Suppression.email, Delivery.email != ""))
        .join(Campaign, Campaign.id == Suppression.campaign_id)
        .where(
            Delivery.customer_id.in_(customer_ids),
            Delivery.campaign_id == Suppression.campaign_id,
        )
    ).all()
    for suppression, name in rows:
        what = "Unsubscribed" if suppression.reason == "unsubscribed" else "Complained"
        yield TimelineEntry(
            suppression.at,
            KIND,
            f"{what} from campaign mail: {name}",
            suppression.email,
            (KIND, suppression.campaign_id or 0),
        )


def _touch_entries(
    session: Session, customer_ids: Sequence[int], reaches: list[_Reach]
) -> Iterator[TimelineEntry]:
    rows = session.execute(
        select(Touch, Campaign.name, Campaign.attribution_days)
        .join(Campaign, Campaign.id == Touch.campaign_id)
        .where(Touch.customer_id.in_(customer_ids), Touch.kind == TouchKind.CLICK)
    ).all()
    for touch, name, days in rows:
        assert touch.customer_id is not None
        reaches.append((touch.customer_id, touch.campaign_id, name, touch.at, days))
        where = "the help centre banner" if touch.source == "banner" else "the Slack post"
        yield TimelineEntry(
            touch.at, KIND, f"Clicked {where} of campaign: {name}", "", (KIND, touch.campaign_id)
        )


def _conversions(
    session: Session, customer_ids: Sequence[int], reaches: list[_Reach]
) -> Iterator[TimelineEntry]:
    """Each order or deal once, for the first campaign touch whose window holds it."""
    orders = session.execute(
        select(Order.id, Order.customer_id, Order.ordered_at, Order.total, Order.currency).where(
            Order.customer_id.in_(customer_ids), Order.status.not_in(NOT_REVENUE)
        )
    ).all()
    deals = session.execute(
        select(
            Opportunity.id, Opportunity.customer_id, Opportunity.created_at, Opportunity.name
        ).where(Opportunity.customer_id.in_(customer_ids))
    ).all()
    ordered = sorted(reaches, key=lambda r: as_utc(r[3]))
    for order_id, customer_id, at, total, currency in orders:
        name = _attributed(ordered, customer_id, at)
        if name:
            yield TimelineEntry(at, KIND, f"Converted (order) after campaign: {name}",
                                f"{total} {currency}", ("order", order_id))  # fmt: skip
    for deal_id, deal_customer, at, title in deals:
        name = _attributed(ordered, deal_customer, at)
        if name:
            yield TimelineEntry(at, KIND, f"Converted (deal) after campaign: {name}", title,
                                ("opportunity", deal_id))  # fmt: skip
    yield from _leads(session, customer_ids)


def _leads(session: Session, customer_ids: Sequence[int]) -> Iterator[TimelineEntry]:
    leads = session.execute(
        select(Lead.id, Lead.created_at, Campaign.name)
        .join(Campaign, Campaign.id == Lead.campaign_id)
        .where(Lead.customer_id.in_(customer_ids))
    ).all()
    for lead_id, at, name in leads:
        yield TimelineEntry(
            at, KIND, f"Converted (lead) from campaign: {name}", "", ("lead", lead_id)
        )


def _attributed(reaches: list[_Reach], customer_id: int | None, at: datetime | None) -> str | None:
    if at is None:
        return None
    moment = as_utc(at)
    for who, _campaign, name, reached_at, days in reaches:
        start = as_utc(reached_at)
        if who == customer_id and start <= moment <= start + timedelta(days=days):
            return name
    return None
