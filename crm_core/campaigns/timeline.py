"""The campaign touches of a customer's 360 timeline: mails sent, opened, clicked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.campaigns.models import Campaign, Delivery, DeliveryStatus
from crm_core.timeline import TimelineEntry


def campaign_timeline(session: Session, customer_ids: Sequence[int]) -> Iterable[TimelineEntry]:
    """A `TimelineSource`: one entry per campaign mail sent to these customers, saying
    whether it was opened or clicked (the latest reaction's time when there was one)."""
    rows = session.execute(
        select(Delivery, Campaign.name)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.customer_id.in_(customer_ids), Delivery.status == DeliveryStatus.SENT)
    ).all()
    for delivery, name in rows:
        reaction = "clicked" if delivery.clicked_at else "opened" if delivery.opened_at else ""
        at = delivery.clicked_at or delivery.opened_at or delivery.sent_at
        if at is None:
            continue
        detail = f"{delivery.email}; {reaction}" if reaction else delivery.email
        yield TimelineEntry(
            at, "campaign", f"Campaign mail: {name}", detail, ("campaign", delivery.campaign_id)
        )
