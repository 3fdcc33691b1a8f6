"""`/customer <email|name|organisation>`: a 360 card from the CRM.

The card is built from sections; `CARD_SECTIONS` is the plug for other concepts (recent
orders and open opportunities with amounts are the first): each is a function
`(session, customer) -> blocks`, empty when it has nothing to say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.customers import Customer, Organization, find_identity
from servicedesk.desk.models import OPEN_STATUSES, Agent, ServiceRequest
from servicedesk.web.hooks.slack import cards, sales_data
from servicedesk.web.hooks.slack.callers import Caller
from servicedesk.web.hooks.slack.context import Hook

USAGE = "Usage: `/customer <email|name|organisation>` shows a customer's card."
CardSection = Callable[[Session, Customer], list[cards.Block]]
CARD_SECTIONS: list[CardSection] = [sales_data.recent_orders, sales_data.open_opportunities]


def customer(hook: Hook, caller: Caller, query: str) -> dict[str, Any]:
    """The ack payload: the card of the best match the caller may see, or why not."""
    query = " ".join(query.split())
    if not query:
        return {"text": USAGE}
    with hook.container.uow() as uow:
        found = find_customer(uow.session, query)
        if found is None or not may_see(caller.viewer, found):
            return {"text": f"No customer found for “{query[:200]}”."}
        return {"text": found.display_name, "blocks": customer_card(hook, uow.session, found)}


def find_customer(session: Session, query: str) -> Customer | None:
    """By email address, else by name, else the first customer of an organisation."""
    if "@" in query:
        identity = find_identity(session, "email", query)
        return identity.customer if identity else None
    pattern = f"%{query.lower()}%"
    by_name = select(Customer).where(func.lower(Customer.name).like(pattern)).order_by(Customer.id)
    found = session.scalars(by_name.limit(1)).first()
    if found is not None:
        return found
    by_org = (
        select(Customer)
        .join(Organization, Customer.organization_id == Organization.id)
        .where(func.lower(Organization.name).like(pattern))
        .order_by(Customer.id)
    )
    return session.scalars(by_org.limit(1)).first()


def owner_id_of(found: Customer) -> int | None:
    """The rep who owns the customer: their own owner, else their organisation's."""
    own = getattr(found, "owner_id", None)  # the CRM branch adds Customer.owner_id
    if isinstance(own, int):
        return own
    return found.organization.owner_id if found.organization else None


def may_see(viewer: Viewer, found: Customer) -> bool:
    """Support agents and admins see every customer; a rep their own and their team's."""
    if viewer.is_admin or viewer.has("agent"):
        return True
    owner = owner_id_of(found)
    return owner is not None and owner in viewer.teammate_ids


def customer_card(hook: Hook, session: Session, found: Customer) -> list[cards.Block]:
    owner_id = owner_id_of(found)
    owner = session.get(Agent, owner_id) if owner_id else None
    open_requests = list(
        session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.customer_id == found.id, ServiceRequest.status.in_(OPEN_STATUSES))
            .order_by(ServiceRequest.id.desc())
            .limit(5)
        )
    )
    url = hook.link(f"/crm/customers/{found.id}")
    blocks = [
        cards.text(f"*{cards.escape(found.display_name)}* {cards.escape(found.email or '')}"),
        cards.fields(
            [
                ("Lifecycle stage", found.lifecycle_stage.value),
                (
                    "Organisation",
                    cards.escape(found.organization.name) if found.organization else "none",
                ),
                ("Owner", cards.escape(owner.name) if owner else "nobody"),
                ("Open requests", str(len(open_requests))),
            ]
        ),
    ]
    for request in open_requests:
        link = cards.link(hook.link(f"/console/requests/{request.id}"), request.reference)
        blocks.append(
            cards.context(f"{link} {request.status.value}: {cards.escape(request.subject)}")
        )
    for section in CARD_SECTIONS:
        blocks.extend(section(session, found))
    blocks.append(
        cards.actions(cards.button("Open in the console", "customer_open", str(found.id), url=url))
    )
    return blocks
