"""Working a lead: list and filter, log activities, assign, qualify, disqualify.

Every operation takes the `Viewer` and enforces the lead scope itself (lead_access).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.normalise import clean_text
from crm_core.sales.lead_access import NotPermitted, WrongStatus, lead_for, visible_leads
from crm_core.sales.lead_events import LeadContext, add_activity
from crm_core.sales.models import Activity, ActivityKind, Lead, LeadStatus

REP_ACTIVITY_KINDS = (
    ActivityKind.CALL,
    ActivityKind.EMAIL,
    ActivityKind.MEETING,
    ActivityKind.NOTE,
)
CLOSED = (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)


@dataclass(frozen=True)
class LeadFilter:
    status: str | None = None
    owner_id: int | None = None
    source: str | None = None
    overdue: bool = False
    search: str = ""


def lead_query(viewer: Viewer, wanted: LeadFilter, now: datetime) -> Select[Lead]:
    """The viewer's leads that pass the filter, best score first."""
    query = select(Lead).where(visible_leads(viewer))
    if wanted.status:
        query = query.where(Lead.status == LeadStatus(wanted.status))
    if wanted.owner_id is not None:
        query = query.where(Lead.owner_id == wanted.owner_id)
    if wanted.source:
        query = query.where(Lead.source == wanted.source)
    if wanted.overdue:
        query = query.where(*overdue_clause(now))
    if wanted.search:
        pattern = f"%{wanted.search.lower()}%"
        query = query.where(
            func.lower(Lead.name).like(pattern)
            | func.lower(Lead.email).like(pattern)
            | func.lower(Lead.company).like(pattern)
        )
    return query.order_by(Lead.score.desc(), Lead.id.desc())


def overdue_clause(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Open leads nobody has contacted although their first-contact time has passed."""
    return (
        Lead.first_contacted_at.is_(None),
        Lead.first_contact_due_at < now,
        Lead.status.not_in(CLOSED),
    )


def list_leads(
    session: Session, viewer: Viewer, wanted: LeadFilter, now: datetime, limit: int = 200
) -> list[Lead]:
    return list(session.scalars(lead_query(viewer, wanted, now).limit(limit)))


def lead_activities(session: Session, lead: Lead) -> list[Activity]:
    query = select(Activity).where(Activity.lead_id == lead.id)
    return list(session.scalars(query.order_by(Activity.at.desc(), Activity.id.desc())))


def log_activity(
    session: Session,
    viewer: Viewer,
    lead_id: int,
    kind: str,
    subject: str,
    body: str = "",
    context: LeadContext | None = None,
) -> Activity:
    """A call, email, meeting or note by the viewer; the first call, email or meeting is
    the first contact and moves a new lead to contacted."""
    lead = lead_for(session, viewer, lead_id, change=True)
    activity_kind = ActivityKind(kind)
    if activity_kind not in REP_ACTIVITY_KINDS:
        raise WrongStatus(f"a rep logs a call, email, meeting or note, not {kind}")
    activity = add_activity(
        session,
        lead,
        activity_kind,
        context or LeadContext(),
        subject=clean_text(subject),
        body=body.strip(),
        actor_id=viewer.user_id,
    )
    if lead.first_contacted_at is not None and lead.status == LeadStatus.NEW:
        lead.status = LeadStatus.CONTACTED
    return activity


def _open_lead(session: Session, viewer: Viewer, lead_id: int) -> Lead:
    lead = lead_for(session, viewer, lead_id, change=True)
    if lead.status in CLOSED:
        raise WrongStatus(f"lead #{lead.id} is already {lead.status.value}")
    return lead


def qualify_lead(
    session: Session, viewer: Viewer, lead_id: int, context: LeadContext | None = None
) -> Lead:
    lead = _open_lead(session, viewer, lead_id)
    lead.status = LeadStatus.QUALIFIED
    add_activity(
        session,
        lead,
        ActivityKind.NOTE,
        context or LeadContext(),
        subject="qualified",
        actor_id=viewer.user_id,
    )
    return lead


def disqualify_lead(
    session: Session,
    viewer: Viewer,
    lead_id: int,
    reason: str,
    context: LeadContext | None = None,
) -> Lead:
    """Close the lead as not a buyer; the reason is required and kept."""
    reason = clean_text(reason)
    if not reason:
        raise WrongStatus("reason: say why the lead is disqualified")
    lead = _open_lead(session, viewer, lead_id)
    lead.status, lead.disqualify_reason = LeadStatus.DISQUALIFIED, reason[:500]
    add_activity(
        session,
        lead,
        ActivityKind.NOTE,
        context or LeadContext(),
        subject="disqualified",
        body=reason,
        actor_id=viewer.user_id,
    )
    return lead


def assign_lead(
    session: Session, viewer: Viewer, lead_id: int, owner_id: int, rep_ids: Sequence[int]
) -> Lead:
    """Give the lead to a rep; a rep may hand their team's leads to a teammate only."""
    lead = lead_for(session, viewer, lead_id, change=True)
    if owner_id not in rep_ids:
        raise NotPermitted("owner: that agent is not a sales rep")
    if not viewer.is_admin and owner_id not in viewer.teammate_ids:
        raise NotPermitted("owner: a rep may assign only to their own team")
    lead.owner_id = owner_id
    return lead


def overdue_count(session: Session, viewer: Viewer, now: datetime) -> int:
    query = select(func.count(Lead.id)).where(visible_leads(viewer), *overdue_clause(now))
    return session.scalar(query) or 0
