"""The signed-in agent as the CRM's `Viewer`, with a role gate (403 without the role)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from servicedesk.desk.models import Agent
from servicedesk.desk.viewers import viewer_of

# Everyone who may read the CRM's customer pages.
CRM_READERS = frozenset({"admin", "agent", "sales", "marketing", "read-only"})


def current_viewer(session: Session, roles: frozenset[str] = CRM_READERS) -> Viewer:
    """The viewer of this request (views are `login_required`); 403 unless they hold
    one of `roles`."""
    agent = session.get(Agent, int(current_user.get_id()))
    if agent is None or not agent.is_active:
        abort(403)
    viewer = viewer_of(session, agent)
    if not viewer.roles & roles:
        abort(403)
    return viewer
