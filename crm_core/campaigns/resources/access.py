"""Who may use the resource library: every console role reads it, marketing and admins change it."""

from __future__ import annotations

from crm_core.access import ADMIN, AGENT, MARKETING, READ_ONLY, SALES, PermissionDenied, Viewer

# Agents hand case studies and product sheets to customers, sales reps to prospects.
READ_ROLES = frozenset({ADMIN, MARKETING, READ_ONLY, AGENT, SALES})
WRITE_ROLES = frozenset({ADMIN, MARKETING})


class NotAllowed(PermissionDenied):
    """The viewer's roles do not allow this."""


def may_read(viewer: Viewer) -> bool:
    return bool(viewer.roles & READ_ROLES)


def may_change(viewer: Viewer) -> bool:
    return bool(viewer.roles & WRITE_ROLES)


def require_read(viewer: Viewer) -> None:
    if not may_read(viewer):
        raise NotAllowed("the resource library is for console users")


def require_change(viewer: Viewer) -> None:
    if not may_change(viewer):
        raise NotAllowed("only marketing and admin users change resources")
