"""Re-scoring a lead after anything happens to it, and the context lead operations share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from crm_core.db import utcnow
from crm_core.sales.lead_model import LeadModel, behaviour_counts, features_of
from crm_core.sales.models import Activity, ActivityKind, Lead
from crm_core.sales.scoring import score_lead

# The rep activities that count as the first contact with a lead.
CONTACT_KINDS = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING)


@dataclass(frozen=True)
class LeadContext:
    """What lead operations need from above crm_core: the reps (agents with role sales),
    the first-contact SLA in hours, the learned model if one is trained, the clock and
    the phone region."""

    rep_ids: tuple[int, ...] = ()
    first_contact_hours: int = 24
    model: LeadModel | None = None
    now: datetime | None = field(default=None)
    # Where phone numbers written without a country code are (ISO 3166, e.g. "DE").
    phone_region: str | None = None

    def clock(self) -> datetime:
        return self.now or utcnow()

    def first_contact_due(self) -> datetime:
        return self.clock() + timedelta(hours=self.first_contact_hours)


def rescore(session: Session, lead: Lead, context: LeadContext) -> None:
    """The rule score, its breakdown and (with a model) the conversion probability."""
    session.flush()
    score_lead(session, lead, context.clock())
    if context.model is not None:
        counts = behaviour_counts(session, [lead.id]).get(lead.id, Counter())
        lead.conversion_probability = context.model.probability(features_of(lead, counts))


def add_activity(
    session: Session,
    lead: Lead,
    kind: ActivityKind,
    context: LeadContext,
    *,
    subject: str = "",
    body: str = "",
    actor_id: int | None = None,
) -> Activity:
    """Record an activity on the lead, note a first contact, and re-score."""
    at = context.clock()
    activity = Activity(
        kind=kind,
        subject=subject[:300],
        body=body,
        lead_id=lead.id,
        customer_id=lead.customer_id,
        actor_id=actor_id,
        at=at,
    )
    session.add(activity)
    if kind in CONTACT_KINDS and lead.first_contacted_at is None:
        lead.first_contacted_at = at
    rescore(session, lead, context)
    return activity
