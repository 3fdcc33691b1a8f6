"""Who sees and changes which leads, and the errors lead operations raise.

Admins see and change every lead. A rep (role sales) sees and works the leads owned by
themselves or a teammate. Marketing and read-only users see every lead and change none
(marketing reads sources and campaigns). Anyone else sees none.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.orm import Session

from crm_core.access import MARKETING, READ_ONLY, SALES, Viewer
from crm_core.sales.models import Lead


class LeadError(Exception):
    """A lead operation refused; the message is shown to the user."""


class LeadNotFound(LeadError):
    """No such lead, or one the viewer may not see (the two are not told apart)."""


class NotPermitted(LeadError):
    """The viewer sees the lead but may not change it."""


class WrongStatus(LeadError):
    """The lead's status does not allow this step (e.g. converting a new lead)."""


def reads_all(viewer: Viewer) -> bool:
    return viewer.is_admin or viewer.has(MARKETING) or viewer.has(READ_ONLY)


def visible_leads(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause that keeps the leads the viewer may see."""
    if reads_all(viewer):
        return true()
    if viewer.has(SALES) and viewer.teammate_ids:
        return Lead.owner_id.in_(sorted(viewer.teammate_ids))
    return false()


def may_see(viewer: Viewer, lead: Lead) -> bool:
    if reads_all(viewer):
        return True
    return viewer.has(SALES) and lead.owner_id is not None and lead.owner_id in viewer.teammate_ids


def may_change(viewer: Viewer, lead: Lead) -> bool:
    if viewer.is_admin:
        return True
    return viewer.has(SALES) and may_see(viewer, lead)


def lead_for(session: Session, viewer: Viewer, lead_id: int, *, change: bool = False) -> Lead:
    """The lead if the viewer may see it (and change it, with `change`)."""
    lead = session.get(Lead, lead_id)
    if lead is None or not may_see(viewer, lead):
        raise LeadNotFound(f"no lead #{lead_id}")
    if change and not may_change(viewer, lead):
        raise NotPermitted("you may look at this lead but not change it")
    return lead
