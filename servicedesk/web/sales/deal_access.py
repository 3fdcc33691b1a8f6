"""The signed-in agent as the CRM's `Viewer`, and the domain errors of the deal pages."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.sales.scope import DealNotFound, NotAllowed
from servicedesk.desk.models import Agent
from servicedesk.desk.viewers import viewer_of


def current_viewer(session: Session) -> Viewer:
    """The viewer scoped operations are handed for the signed-in agent."""
    agent = session.get(Agent, int(current_user.id))
    if agent is None:
        abort(403)
    return viewer_of(session, agent)


def error_status(error: Exception) -> int:
    """404 for a deal out of sight (as if it did not exist), 403 when not allowed, else 400."""
    if isinstance(error, DealNotFound):
        return 404
    return 403 if isinstance(error, NotAllowed) or "read-only" in str(error) else 400
