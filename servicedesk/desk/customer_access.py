"""Which customers an agent may see: those of the requests the desk shows them.

crm_core scopes customers for every role but cannot read requests, so the desk answers
for the agent role: `served_customers` is the select of customer ids crm_core's
`customer_visibility` is handed. Today the console shows every agent every request (the
"all" view of `queries.inbox_query`), so an agent sees every customer who has a request
and no imported lead or prospect without one; narrowing which requests an agent sees
narrows this at the same place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from crm_core import access, scoping
from crm_core.access import Viewer
from crm_core.customers import Customer
from servicedesk.desk.models import ServiceRequest


def visible_requests(viewer: Viewer) -> ColumnElement[bool] | None:
    """The condition on the requests the viewer sees through the agent role (None: no such
    role). Every request today; a narrower rule goes here and scopes customers with it."""
    if not viewer.has(access.AGENT):
        return None
    return true()


def served_customers(viewer: Viewer) -> Select[Any] | None:
    """The customer ids of the requests the viewer sees as an agent."""
    condition = visible_requests(viewer)
    if condition is None:
        return None
    return select(ServiceRequest.customer_id).where(condition)


def customer_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on `Customer` rows the viewer may see, every role counted."""
    return scoping.customer_visibility(viewer, served_customers(viewer))


def scoped_customers(viewer: Viewer) -> Select[Any]:
    """`select(Customer)` narrowed to what the viewer may see, every role counted."""
    return scoping.scope_customers(select(Customer), viewer, served_customers(viewer))


def visible_customer_ids(
    session: Session, viewer: Viewer, among: list[int] | None = None
) -> set[int]:
    """The ids the viewer may see (among `among` when given)."""
    query = scoping.scope_customers(select(Customer.id), viewer, served_customers(viewer))
    if among is not None:
        query = query.where(Customer.id.in_(among))
    return set(session.scalars(query))


def may_see_customer(session: Session, viewer: Viewer, customer_id: int) -> bool:
    return scoping.may_see_customer(session, viewer, customer_id, served_customers(viewer))


def ensure_may_see_customer(session: Session, viewer: Viewer, customer_id: int) -> None:
    """`PermissionDenied` unless the viewer may see the customer."""
    scoping.ensure_may_see(session, viewer, customer_id, served_customers(viewer))


def ensure_may_change_customer(session: Session, viewer: Viewer, customer_id: int) -> None:
    """`PermissionDenied` unless the viewer may see and change the customer."""
    scoping.ensure_may_change(session, viewer, customer_id, served_customers(viewer))
