"""The signed-in agent as a `Viewer`, checked for the marketing roles (403 otherwise)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.campaigns.operations import NotAllowed, require_view, require_write
from servicedesk.desk.models import Agent
from servicedesk.desk.viewers import viewer_of


def marketing_viewer(session: Session, *, write: bool = False) -> Viewer:
    """The viewer, after checking they may see (or, with `write`, change) campaigns."""
    agent = session.get(Agent, int(current_user.id))
    if agent is None:
        abort(403)
    viewer = viewer_of(session, agent)
    try:
        (require_write if write else require_view)(viewer)
    except NotAllowed:
        abort(403)
    return viewer
