"""The 360 view of a customer or an organisation, assembled where the desk may be read.

crm_core may not read requests, so the desk adds them here as one more timeline source
beside crm_core's own (notes, orders, opportunities, campaign touches, stage changes:
`CRM_SOURCES`). Internal notes on requests are
shown to support agents only, marked as such; other roles never get them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm_core.access import Viewer
from crm_core.campaigns.timeline import campaign_timeline
from crm_core.customers import Customer, Organization
from crm_core.customers.notes import note_entries
from crm_core.customers.visibility import NotAllowed, check_crm_user, may_see_internal_notes
from crm_core.db import utcnow
from crm_core.lifecycle import stage_timeline
from crm_core.orders.operations import order_timeline
from crm_core.sales.lead_timeline import activity_timeline
from crm_core.sales.opportunities import opportunity_timeline
from crm_core.timeline import TimelineEntry, TimelineSource, merge_timeline
from servicedesk.desk import customer_access
from servicedesk.desk.contracts import ContractCard, holder_contract
from servicedesk.desk.models import Agent, Direction, Message, ServiceRequest

# crm_core's timeline sources: notes, stage changes, orders, deals, sales activities and
# campaign touches.
CRM_SOURCES: list[TimelineSource] = [
    note_entries,
    stage_timeline,
    order_timeline,
    opportunity_timeline,
    activity_timeline,
    campaign_timeline,
]
DEFAULT_TIER = "standard"
MESSAGES_SHOWN = 500
REQUESTS_SHOWN = 200
PEOPLE_SHOWN = 200
_EXCERPT = 300


@dataclass
class CustomerView:
    customer: Customer
    timeline: list[TimelineEntry]
    owner_name: str | None
    tier: str | None
    may_write: bool
    contract: ContractCard | None = None


@dataclass
class OrganisationView:
    organisation: Organization
    people: list[Customer]
    timeline: list[TimelineEntry]
    owner_name: str | None
    more_people: bool = False
    may_write: bool = field(default=False)
    contract: ContractCard | None = None


def request_entries(include_internal: bool) -> TimelineSource:
    """The desk's source: requests opened and their messages (internal notes if allowed)."""

    def source(session: Session, customer_ids: Sequence[int]) -> Iterable[TimelineEntry]:
        ids = list(customer_ids)
        newest = (
            select(ServiceRequest)
            .where(ServiceRequest.customer_id.in_(ids))
            .order_by(ServiceRequest.created_at.desc())
            .limit(REQUESTS_SHOWN)
        )
        requests = session.scalars(newest).all()
        for item in requests:
            subject = item.subject or "(no subject)"
            yield TimelineEntry(
                at=item.created_at,
                kind="request",
                ref=("request", item.id),
                title=f"{item.reference} opened on {item.channel}: {subject}",
                detail=f"status {item.status.value}",
            )
        yield from _message_entries(session, [r.id for r in requests], include_internal)

    return source


def _message_entries(
    session: Session, request_ids: list[int], include_internal: bool
) -> Iterable[TimelineEntry]:
    if not request_ids:
        return
    shown = [Direction.INBOUND, Direction.OUTBOUND]
    if include_internal:
        shown.append(Direction.NOTE)
    query = (
        select(Message)
        .where(Message.request_id.in_(request_ids), Message.direction.in_(shown))
        .options(selectinload(Message.author), selectinload(Message.request))
        .order_by(Message.created_at.desc())
        .limit(MESSAGES_SHOWN)
    )
    for message in session.scalars(query):
        yield TimelineEntry(
            at=message.created_at,
            kind="internal-note" if message.direction == Direction.NOTE else "message",
            title=_message_title(message),
            detail=message.text[:_EXCERPT],
            ref=("request", message.request_id),
        )


def _message_title(message: Message) -> str:
    reference = message.request.reference
    if message.direction == Direction.NOTE:
        return f"Internal note on {reference} by {_author(message)}"
    if message.direction == Direction.OUTBOUND:
        return f"Reply on {reference} by {_author(message)} ({message.channel})"
    return f"Message on {reference} ({message.channel})"


def _author(message: Message) -> str:
    return message.author.name if message.author else "the system"


def timeline_sources(viewer: Viewer) -> list[TimelineSource]:
    return [request_entries(may_see_internal_notes(viewer)), *CRM_SOURCES]


def customer_view(session: Session, viewer: Viewer, customer_id: int) -> CustomerView | None:
    """The customer page's content; None when there is no such customer.

    Raises `NotAllowed` when the viewer may not see the customer.
    """
    customer = load_customer(session, customer_id)
    if customer is None:
        return None
    # The record scope of crm_core.scoping, with the customers of the agent's requests.
    if not customer_access.may_see_customer(session, viewer, customer_id):
        raise NotAllowed(f"customer {customer_id}: not yours to see")
    organisation = customer.organization
    owner_id: int | None = getattr(customer, "owner_id", None) or (
        organisation.owner_id if organisation else None
    )
    # A person on the default tier takes their organisation's (an account's tier is its people's).
    tier = (
        customer.tier
        if customer.tier != DEFAULT_TIER or organisation is None
        else organisation.tier
    )
    return CustomerView(
        customer=customer,
        timeline=merge_timeline(session, [customer_id], timeline_sources(viewer)),
        owner_name=_agent_name(session, owner_id),
        tier=tier,
        may_write=viewer.may_write,
        contract=holder_contract(session, customer_id, customer.organization_id, utcnow().date()),
    )


def load_customer(session: Session, customer_id: int) -> Customer | None:
    """A customer with its identities and organisation loaded."""
    query = (
        select(Customer)
        .where(Customer.id == customer_id)
        .options(selectinload(Customer.identities), selectinload(Customer.organization))
    )
    return session.scalars(query).one_or_none()


def organisation_view(
    session: Session, viewer: Viewer, organisation_id: int
) -> OrganisationView | None:
    """The organisation page: its people the viewer may see and their merged timeline."""
    check_crm_user(viewer)
    organisation = session.get(Organization, organisation_id)
    if organisation is None:
        return None
    query = (
        select(Customer)
        .where(Customer.organization_id == organisation_id)
        .order_by(Customer.name, Customer.id)
        .limit(PEOPLE_SHOWN + 1)
    )
    people = [
        p for p in session.scalars(query) if customer_access.may_see_customer(session, viewer, p.id)
    ]
    return OrganisationView(
        organisation=organisation,
        people=people[:PEOPLE_SHOWN],
        timeline=merge_timeline(session, [p.id for p in people], timeline_sources(viewer)),
        owner_name=_agent_name(session, organisation.owner_id),
        more_people=len(people) > PEOPLE_SHOWN,
        may_write=viewer.may_write,
        contract=holder_contract(session, None, organisation_id, utcnow().date()),
    )


def _agent_name(session: Session, agent_id: int | None) -> str | None:
    if not agent_id:
        return None
    agent = session.get(Agent, agent_id)
    return agent.name if agent else None
