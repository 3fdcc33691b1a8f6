"""Who may see and change which customer: the one place the CRM pages and operations ask.

For now every CRM role sees every customer; the privacy work replaces `may_see_customer`
with the real scope rules (a rep their own and their team's accounts, an agent the
customers of requests they can see, marketing the consented contacts). Callers only
ever call these functions, so swapping the rules changes nothing else.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_core.access import ADMIN, AGENT, MARKETING, READ_ONLY, SALES, Viewer

CRM_ROLES = frozenset({ADMIN, AGENT, SALES, MARKETING, READ_ONLY})


class NotAllowed(PermissionError):
    """The viewer may not see or change this record."""


def may_see_customer(session: Session, viewer: Viewer, customer_id: int) -> bool:
    """Whether `viewer` may see the customer `customer_id` (whether it exists or not)."""
    del session, customer_id  # the scope rules will need them
    return bool(viewer.roles & CRM_ROLES)


def may_change_customer(session: Session, viewer: Viewer, customer_id: int) -> bool:
    """Seeing is required; read-only users never change anything."""
    return viewer.may_write and may_see_customer(session, viewer, customer_id)


def may_see_internal_notes(viewer: Viewer) -> bool:
    """Internal notes on requests are for support agents (and admins), not sales or marketing."""
    return viewer.has(AGENT) or viewer.is_admin


def check_sees(session: Session, viewer: Viewer, customer_id: int) -> None:
    if not may_see_customer(session, viewer, customer_id):
        raise NotAllowed(f"customer {customer_id}: not yours to see")


def check_changes(session: Session, viewer: Viewer, customer_id: int) -> None:
    if not may_change_customer(session, viewer, customer_id):
        raise NotAllowed(f"customer {customer_id}: not yours to change")


def check_crm_user(viewer: Viewer) -> None:
    """CRM pages that list no single customer still need a CRM role."""
    if not viewer.roles & CRM_ROLES:
        raise NotAllowed("the CRM needs the admin, agent, sales, marketing or read-only role")
