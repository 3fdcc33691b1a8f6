"""Creating and changing contracts, checked for the viewer's role; errors name the field.

Admins and sales reps change contracts; agents and read-only users see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import ADMIN, AGENT, READ_ONLY, SALES, Viewer
from crm_core.contracts.models import Contract, ContractStatus
from crm_core.contracts.terms import CHANNELS
from crm_core.customers import Customer, Organization
from crm_core.orders.models import Product

VIEW_ROLES = frozenset({ADMIN, SALES, AGENT, READ_ONLY})
WRITE_ROLES = frozenset({ADMIN, SALES})
MAX_REMINDER_DAYS = 365


class NotAllowed(PermissionError):
    """The viewer's roles do not allow this."""


def require_view(viewer: Viewer) -> None:
    if not viewer.roles & VIEW_ROLES:
        raise NotAllowed("contracts are for agents, sales, admin and read-only users")


def require_write(viewer: Viewer) -> None:
    if not viewer.roles & WRITE_ROLES:
        raise NotAllowed("only sales and admin users change contracts")


@dataclass(frozen=True)
class ContractDraft:
    """A contract as a form or the demo gives it."""

    number: str
    starts_on: date
    ends_on: date
    customer_id: int | None = None
    organization_id: int | None = None
    contact_id: int | None = None
    status: ContractStatus = ContractStatus.DRAFT
    sla_tier: str = ""
    incidents_included: int | None = None
    minutes_included: int | None = None
    channels: list[str] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    renewal_on: date | None = None
    remind_days: list[int] = field(default_factory=list)
    owner_id: int | None = None
    notes: str = ""


def save_contract(
    session: Session, viewer: Viewer, draft: ContractDraft, contract_id: int | None = None
) -> Contract:
    """Create or change a contract after checking every field (a ValueError names it)."""
    require_write(viewer)
    check_draft(session, draft, contract_id)
    contract = session.get(Contract, contract_id) if contract_id else Contract()
    if contract is None:
        raise LookupError(f"no contract {contract_id}")
    for name in (
        "customer_id",
        "organization_id",
        "contact_id",
        "status",
        "starts_on",
        "ends_on",
        "incidents_included",
        "minutes_included",
        "owner_id",
        "notes",
    ):
        setattr(contract, name, getattr(draft, name))
    contract.number = draft.number.strip()
    contract.sla_tier = draft.sla_tier.strip().lower()
    contract.channels = sorted(set(draft.channels))
    contract.renewal_on = draft.renewal_on or draft.ends_on
    contract.remind_days = sorted(set(draft.remind_days), reverse=True)
    contract.products = [session.get_one(Product, pid) for pid in sorted(set(draft.product_ids))]
    session.add(contract)
    session.flush()
    return contract


def check_draft(session: Session, draft: ContractDraft, contract_id: int | None = None) -> None:
    """Raise a ValueError naming the first field that is wrong."""
    _check_holder(session, draft)
    number = draft.number.strip()
    if not number:
        raise ValueError("number: a contract needs a number")
    clash = session.scalar(select(Contract.id).where(Contract.number == number))
    if clash is not None and clash != contract_id:
        raise ValueError(f"number: {number!r} is taken by another contract")
    if draft.ends_on < draft.starts_on:
        raise ValueError("ends_on: the term ends before it starts")
    for name in ("incidents_included", "minutes_included"):
        value = getattr(draft, name)
        if value is not None and value < 0:
            raise ValueError(f"{name}: zero or more (empty for unlimited)")
    unknown = sorted(set(draft.channels) - set(CHANNELS))
    if unknown:
        raise ValueError(f"channels: unknown {', '.join(unknown)} (known: {', '.join(CHANNELS)})")
    if any(not 0 < days <= MAX_REMINDER_DAYS for days in draft.remind_days):
        raise ValueError(f"remind_days: each between 1 and {MAX_REMINDER_DAYS}")
    for product_id in draft.product_ids:
        if session.get(Product, product_id) is None:
            raise ValueError(f"product_ids: no product {product_id}")


def _check_holder(session: Session, draft: ContractDraft) -> None:
    if (draft.customer_id is None) == (draft.organization_id is None):
        raise ValueError("holder: give a customer or an organisation (one of them)")
    if draft.customer_id is not None and session.get(Customer, draft.customer_id) is None:
        raise ValueError(f"customer_id: no customer {draft.customer_id}")
    organisation_id = draft.organization_id
    if organisation_id is not None and session.get(Organization, organisation_id) is None:
        raise ValueError(f"organization_id: no organisation {draft.organization_id}")
    if draft.contact_id is not None:
        contact = session.get(Customer, draft.contact_id)
        if contact is None or draft.organization_id is None:
            raise ValueError("contact_id: an organisation's contract names one of its people")
        if contact.organization_id != draft.organization_id:
            raise ValueError(f"contact_id: customer {contact.id} is not of that organisation")


def get_contract(session: Session, viewer: Viewer, contract_id: int) -> Contract:
    require_view(viewer)
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise LookupError(f"no contract {contract_id}")
    return contract


def list_contracts(session: Session, viewer: Viewer, limit: int = 500) -> list[Contract]:
    """The newest contracts first."""
    require_view(viewer)
    query = select(Contract).order_by(Contract.ends_on.desc(), Contract.id.desc()).limit(limit)
    return list(session.scalars(query))


def contracts_held(
    session: Session, customer_id: int | None, organization_id: int | None
) -> list[Contract]:
    """Every contract the customer or the organisation holds, newest term first."""
    holders = []
    if customer_id is not None:
        holders.append(Contract.customer_id == customer_id)
    if organization_id is not None:
        holders.append(Contract.organization_id == organization_id)
    if not holders:
        return []
    condition = holders[0] if len(holders) == 1 else holders[0] | holders[1]
    query = select(Contract).where(condition).order_by(Contract.starts_on.desc(), Contract.id)
    return list(session.scalars(query))
