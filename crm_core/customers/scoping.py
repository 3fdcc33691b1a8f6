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


# A team bigger than this is one branch (owner_id IN ...) rather than one per member.
_BRANCHES_MAX = 25


def scope_branches(viewer: Viewer) -> list[ColumnElement[bool]]:
    """What `viewer` may see as disjoint-ish conditions whose union is the scope: [] for
    nothing, [true()] for everything. Queries run one per branch so each walks its own
    (owner_id, id) index in id order; an OR of them made SQLite sort every row a rep may
    see (some 40k at 100k customers) to show fifty."""
    if viewer.roles & {ADMIN, AGENT, READ_ONLY}:
        return [true()]
    branches: list[ColumnElement[bool]] = []
    if viewer.has(SALES):
        branches.append(Customer.owner_id.is_(None))
        owners = sorted(viewer.teammate_ids | _own(viewer))
        if len(owners) > _BRANCHES_MAX:
            branches.append(Customer.owner_id.in_(owners))
        else:
            branches.extend(Customer.owner_id == owner for owner in owners)
    if viewer.has(MARKETING):
        branches.append(marketing_consent_clause())
    return branches


def customer_scope(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE condition on `Customer` limiting rows to what `viewer` may see."""
    branches = scope_branches(viewer)
    return or_(*branches) if branches else false()


def _own(viewer: Viewer) -> frozenset[int]:
    return frozenset({viewer.user_id}) if viewer.user_id is not None else frozenset()


def may_view_customers(viewer: Viewer) -> bool:
    """Whether the viewer has any role that reads customers at all."""
    return bool(viewer.roles & {ADMIN, AGENT, READ_ONLY, SALES, MARKETING})
