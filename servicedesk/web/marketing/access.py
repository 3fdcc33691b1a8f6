"""The signed-in agent as a `Viewer`, checked for the marketing roles (403 otherwise)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.campaigns.operations import require_view, require_write
from servicedesk.desk.models import Agent
from servicedesk.desk.viewers import viewer_of


def checked_viewer(session: Session, check: Callable[[Viewer], None]) -> Viewer:
    """The viewer, after `check` (which raises PermissionError to refuse: a 403)."""
    agent = session.get(Agent, int(current_user.id))
    if agent is None:
        abort(403)
    viewer = viewer_of(session, agent)
    try:
        check(viewer)
    except PermissionError:
        abort(403)
    return viewer


def marketing_viewer(session: Session, *, write: bool = False) -> Viewer:
    """The viewer, after checking they may see (or, with `write`, change) campaigns."""
    return checked_viewer(session, require_write if write else require_view)
