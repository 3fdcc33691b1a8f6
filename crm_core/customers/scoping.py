"""Which customers a viewer may see: the scope every CRM customer query applies.

- admin, agent and read-only: every customer;
- sales (a rep): customers they or a teammate own, and unowned ones;
- marketing: consented contacts only, through `marketing_consent_clause`.

A viewer with several roles sees the union.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from crm_core.access import ADMIN, AGENT, MARKETING, READ_ONLY, SALES, Viewer
from crm_core.customers.models import Customer


def marketing_consent_clause() -> ColumnElement[bool]:
    """HOOK for the privacy work (consent flags per purpose): the customers marketing may
    see. Until consent is recorded nobody has given it, so marketing sees no one; the
    privacy package replaces this body with its consent condition."""
    return false()


def customer_scope(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE condition on `Customer` limiting rows to what `viewer` may see."""
    if viewer.roles & {ADMIN, AGENT, READ_ONLY}:
        return true()
    allowed: list[ColumnElement[bool]] = []
    if viewer.has(SALES):
        allowed.append(Customer.owner_id.is_(None))
        allowed.append(Customer.owner_id.in_(sorted(viewer.teammate_ids | _own(viewer))))
    if viewer.has(MARKETING):
        allowed.append(marketing_consent_clause())
    return or_(*allowed) if allowed else false()


def _own(viewer: Viewer) -> frozenset[int]:
    return frozenset({viewer.user_id}) if viewer.user_id is not None else frozenset()


def may_view_customers(viewer: Viewer) -> bool:
    """Whether the viewer has any role that reads customers at all."""
    return bool(viewer.roles & {ADMIN, AGENT, READ_ONLY, SALES, MARKETING})
