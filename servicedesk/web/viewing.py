"""The signed-in agent as the CRM's `Viewer`, and the mapping of its refusals to 403."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from servicedesk.desk.models import Agent
from servicedesk.desk.viewers import viewer_of


def current_viewer(session: Session, *, missing: int = 404) -> Viewer:
    """The viewer scoped operations are handed for this request; `missing` is the status
    when the signed-in agent's row is gone."""
    agent = session.get(Agent, int(current_user.id))
    if agent is None:
        abort(missing)
    return viewer_of(session, agent)


def admin_only() -> None:
    """403 unless the signed-in agent is an admin (pages that are admin tools as a whole)."""
    if not current_user.has_role("admin"):
        abort(403)
