"""The sales activities of customers, for the 360 timeline (converted leads' history too)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.sales.models import Activity
from crm_core.timeline import TimelineEntry


def activity_timeline(session: Session, customer_ids: Sequence[int]) -> Iterator[TimelineEntry]:
    """Calls, emails, meetings, notes and form submissions linked to these customers."""
    if not customer_ids:
        return
    query = select(Activity).where(Activity.customer_id.in_(list(customer_ids)))
    for activity in session.scalars(query.order_by(Activity.at.desc()).limit(500)):
        ref = ("lead", activity.lead_id) if activity.lead_id is not None else None
        title = activity.kind.value.replace("_", " ")
        yield TimelineEntry(
            at=activity.at,
            kind="activity",
            title=f"{title}: {activity.subject}" if activity.subject else title,
            detail=activity.body[:300],
            ref=ref,
        )
