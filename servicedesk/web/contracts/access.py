"""The signed-in agent as a `Viewer`, checked for the contract roles (403 otherwise)."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.contracts.operations import NotAllowed, require_view, require_write
from servicedesk.web.viewing import current_viewer


def contract_viewer(session: Session, *, write: bool = False) -> Viewer:
    """The viewer, after checking they may see (or, with `write`, change) contracts."""
    viewer = current_viewer(session, missing=403)
    try:
        (require_write if write else require_view)(viewer)
    except NotAllowed:
        abort(403)
    return viewer
