"""Whose deals a viewer may see and change: their own and their team's; admins every one.

Read-only users see what admins see and change nothing. Deals without an owner are
visible to everyone who may see deals, so a rep can pick them up.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from crm_core.access import READ_ONLY, Viewer
from crm_core.sales.models import Opportunity


class DealError(ValueError):
    """A deal operation cannot be done; the message names the field or the reason."""


class DealNotFound(DealError):
    """No such deal, or the viewer may not see it (the same answer, so ids do not leak)."""


class NotAllowed(DealError):
    """The viewer sees the deal but may not change it (read-only), or may not give it away."""


def sees_everything(viewer: Viewer) -> bool:
    return viewer.is_admin or viewer.has(READ_ONLY)


def owner_ids(viewer: Viewer) -> frozenset[int]:
    """The owners whose deals a scoped viewer sees: themself and their teammates."""
    own = {viewer.user_id} if viewer.user_id is not None else set()
    return frozenset(own | set(viewer.teammate_ids))


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause for the opportunities this viewer may see."""
    if sees_everything(viewer):
        return true()
    return or_(Opportunity.owner_id.is_(None), Opportunity.owner_id.in_(owner_ids(viewer)))


def may_see(viewer: Viewer, deal: Opportunity) -> bool:
    return sees_everything(viewer) or deal.owner_id is None or deal.owner_id in owner_ids(viewer)


def check_write(viewer: Viewer, deal: Opportunity | None = None) -> None:
    """Raise unless the viewer may change this deal (or create deals, without one)."""
    if deal is not None and not may_see(viewer, deal):
        raise DealNotFound("no such opportunity")
    if not viewer.may_write:
        raise NotAllowed("read-only users cannot change opportunities")


def check_owner(viewer: Viewer, owner_id: int | None) -> None:
    """A rep may give a deal to themself or a teammate; an admin to anyone."""
    if owner_id is None or viewer.is_admin or owner_id in owner_ids(viewer):
        return
    raise NotAllowed("owner: you can assign deals to yourself or your team only")
