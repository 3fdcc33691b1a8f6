"""What the lead pages share: the signed-in viewer and the context lead operations need."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.sales.lead_access import reads_all
from crm_core.sales.lead_events import LeadContext
from crm_core.sales.lead_model import load_lead_model
from servicedesk.current import container_of
from servicedesk.desk.models import Agent
from servicedesk.desk.reps import sales_rep_ids
from servicedesk.desk.roles import Role
from servicedesk.desk.viewers import viewer_of


def lead_viewer(session: Session) -> Viewer:
    """The signed-in agent as a `Viewer`; 403 for roles that see no leads at all."""
    agent = session.get(Agent, current_user.id)
    if agent is None:
        abort(403)
    viewer = viewer_of(session, agent)
    if not (reads_all(viewer) or viewer.has(Role.SALES)):
        abort(403)
    return viewer


def lead_context(session: Session) -> LeadContext:
    """Reps to assign among, the first-contact SLA and the learned model, if trained."""
    config = container_of().config
    return LeadContext(
        rep_ids=sales_rep_ids(session),
        first_contact_hours=config.sales_first_contact_hours,
        model=load_lead_model(config.lead_model_dir),
        phone_region=config.crm_phone_region,
    )
