"""The signed-in agent as the CRM's `Viewer`, with a role gate (403 without the role)."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from servicedesk.web import viewing

# Everyone who may read the CRM's customer pages.
CRM_READERS = frozenset({"admin", "agent", "sales", "marketing", "read-only"})


def current_viewer(session: Session, roles: frozenset[str] = CRM_READERS) -> Viewer:
    """The viewer of this request (views are `login_required`; the session's loader has
    already refused a deactivated agent); 403 unless they hold one of `roles`."""
    viewer = viewing.current_viewer(session, missing=403)
    if not viewer.roles & roles:
        abort(403)
    return viewer
