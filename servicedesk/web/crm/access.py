"""The signed-in agent as the CRM's `Viewer`, and the CRM's refusal as a 403."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from servicedesk.desk.models import Agent
from servicedesk.desk.viewers import viewer_of


def current_viewer(session: Session) -> Viewer:
    """The viewer behind the signed-in agent (403 when the row is gone)."""
    agent = session.get(Agent, int(current_user.id))
    if agent is None:
        abort(403)
    return viewer_of(session, agent)
