"""Who is looking, and what they may see and change: record scoping for the CRM.

Agents, teams and roles live above crm_core (in the desk), so an operation that must
scope its records is given this plain value instead of an agent row. The web layer, the
CLI and the Slack hook build it from the signed-in agent; scoping is then enforced in the
operation itself, never only in a view.

The rules (seed 3.1.4):

- admin: every record, may change it;
- sales (a rep): the customers and organisations they or a teammate own;
- agent: the customers of the requests they can see. Requests live in the desk, which
  crm_core may not read, so the desk hands the ids in as `served` (a select of customer
  ids; `servicedesk.desk.customer_access` builds it);
- marketing: the contacts with a consent in force for some purpose;
- read-only: sees what an admin sees, changes nothing.

A viewer with several roles sees the union of what each role shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from crm_core.customers import Customer, Organization
from crm_core.privacy.consent import consented_customer_ids

# Role names as the desk stores them on an agent (servicedesk.desk.roles.Role).
ADMIN = "admin"
AGENT = "agent"
SALES = "sales"
MARKETING = "marketing"
READ_ONLY = "read-only"

_T = TypeVar("_T")


class PermissionDenied(PermissionError):
    """The viewer may not see or change this record; the message says which and why."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as the CRM sees them.

    `teammate_ids` holds the ids of every agent who shares a team with the viewer, the
    viewer included: a rep sees their own accounts and their team's. `name` is what the
    audit log shows for them.
    """

    user_id: int | None
    roles: frozenset[str] = field(default_factory=frozenset)
    teammate_ids: frozenset[int] = field(default_factory=frozenset)
    name: str = ""

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def sees_everything(self) -> bool:
        """Admins and read-only users see every record."""
        return ADMIN in self.roles or READ_ONLY in self.roles

    @property
    def may_write(self) -> bool:
        """Read-only users look, never change; every other role may write what it sees."""
        return bool(self.roles - {READ_ONLY})

    @property
    def label(self) -> str:
        """Who this is in an audit entry."""
        if self.user_id is None:
            return self.name or "system"
        return self.name or f"user #{self.user_id}"

    @classmethod
    def system(cls, name: str = "system") -> Viewer:
        """The CLI, jobs and the demo: sees everything, like an admin."""
        return cls(user_id=None, roles=frozenset({ADMIN}), name=name)


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


def ensure_admin(viewer: Viewer, what: str) -> None:
    """Raise `PermissionDenied` unless the viewer is an admin; `what` names the action."""
    if not viewer.is_admin:
        raise PermissionDenied(f"only an admin may {what}")
