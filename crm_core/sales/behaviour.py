"""What a lead does elsewhere, noted on their open lead: portal visits and replies.

Scoring counts behaviour (crm_core.sales.scoring): the channels that see it call here
with the address they know. Nothing happens for an address without an open lead.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.normalise.email import normalise_email
from crm_core.normalise.errors import InvalidValue
from crm_core.sales.capture import open_lead_by_email
from crm_core.sales.lead_events import LeadContext, add_activity
from crm_core.sales.models import Activity, ActivityKind
from crm_core.sales.open_lead_emails import may_have_open_lead


def note_behaviour(
    session: Session,
    email: str,
    kind: ActivityKind,
    subject: str,
    *,
    once_within: timedelta | None = None,
    context: LeadContext | None = None,
) -> bool:
    """Log `kind` on the open lead with this address and re-score it; False when there is
    no such lead, or the same kind was logged within `once_within` (a visit a day)."""
    try:
        address = normalise_email(email)
    except InvalidValue:
        return False
    lead = open_lead_by_email(session, address) if may_have_open_lead(session, address) else None
    if lead is None:
        return False
    context = context or LeadContext()
    if once_within is not None and _seen_since(session, lead.id, kind, context, once_within):
        return False
    add_activity(session, lead, kind, context, subject=subject)
    return True


def _seen_since(
    session: Session, lead_id: int, kind: ActivityKind, context: LeadContext, span: timedelta
) -> bool:
    since = context.clock() - span
    query = select(Activity.id).where(
        Activity.lead_id == lead_id, Activity.kind == kind, Activity.at >= since
    )
    return session.scalars(query.limit(1)).first() is not None
