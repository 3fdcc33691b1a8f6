"""Record scoping: the queries and checks that apply the rules of `crm_core.access`.

Kept apart from the `Viewer` so that every package may take a viewer without importing
the customers and consent tables these rules read.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from crm_core.access import AGENT, MARKETING, SALES, PermissionDenied, Viewer
from crm_core.customers import Customer, Organization
from crm_core.privacy.consent import consented_customer_ids

_T = TypeVar("_T")


def customer_visibility(viewer: Viewer, served: Select[Any] | None = None) -> ColumnElement[bool]:
    """The condition on `Customer` rows this viewer may see.

    `served` is a select of the customer ids of the requests the viewer can see (agents);
    without it an agent sees no customer through that role.
    """
    if viewer.sees_everything:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if SALES in viewer.roles and viewer.teammate_ids:
        team = sorted(viewer.teammate_ids)
        owned_orgs = select(Organization.id).where(Organization.owner_id.in_(team))
        clauses += [Customer.owner_id.in_(team), Customer.organization_id.in_(owned_orgs)]
    if AGENT in viewer.roles and served is not None:
        clauses.append(Customer.id.in_(served))
    if MARKETING in viewer.roles:
        clauses.append(Customer.id.in_(consented_customer_ids()))
    return or_(*clauses) if clauses else false()


def organisation_visibility(
    viewer: Viewer, served: Select[Any] | None = None
) -> ColumnElement[bool]:
    """The condition on `Organization` rows: owned by the team, or home of a visible customer."""
    if viewer.sees_everything:
        return true()
    visible_members = select(Customer.organization_id).where(
        customer_visibility(viewer, served), Customer.organization_id.is_not(None)
    )
    clauses: list[ColumnElement[bool]] = [Organization.id.in_(visible_members)]
    if SALES in viewer.roles and viewer.teammate_ids:
        clauses.append(Organization.owner_id.in_(sorted(viewer.teammate_ids)))
    return or_(*clauses)


def scope_customers(
    query: Select[_T], viewer: Viewer, served: Select[Any] | None = None
) -> Select[_T]:
    """`query` (a select over `Customer`) narrowed to the customers the viewer may see."""
    return query.where(customer_visibility(viewer, served))


def scope_organisations(
    query: Select[_T], viewer: Viewer, served: Select[Any] | None = None
) -> Select[_T]:
    """`query` (a select over `Organization`) narrowed to what the viewer may see."""
    return query.where(organisation_visibility(viewer, served))


def may_see_customer(
    session: Session, viewer: Viewer, customer_id: int, served: Select[Any] | None = None
) -> bool:
    query = select(Customer.id).where(Customer.id == customer_id)
    return session.scalar(scope_customers(query, viewer, served)) is not None


def ensure_may_see(
    session: Session, viewer: Viewer, customer_id: int, served: Select[Any] | None = None
) -> None:
    """Raise `PermissionDenied` unless the viewer may see customer `customer_id`."""
    if not may_see_customer(session, viewer, customer_id, served):
        raise PermissionDenied(f"{viewer.label} may not see customer #{customer_id}")


def ensure_may_change(
    session: Session, viewer: Viewer, customer_id: int, served: Select[Any] | None = None
) -> None:
    """Raise `PermissionDenied` unless the viewer may see and change customer `customer_id`."""
    if not viewer.may_write:
        raise PermissionDenied(
            f"{viewer.label} is read-only and may not change customer #{customer_id}"
        )
    ensure_may_see(session, viewer, customer_id, served)
