"""An organisation with a contract, its people, and customer messages through intake."""

from __future__ import annotations

from datetime import date, timedelta

from channels.messages import InboundMessage, Sender
from crm_core.access import Viewer
from crm_core.contracts.models import Contract, ContractStatus
from crm_core.contracts.operations import ContractDraft, save_contract
from crm_core.customers import Customer, IdentityKind, Organization
from crm_core.db import UnitOfWork, utcnow
from servicedesk.container import Container
from servicedesk.desk.operations import receive_inbound
from tests.factories import make_customer

TODAY = utcnow().date()
GOLD_SLA = {
    "policies": [
        {
            "name": "gold",
            "conditions": [{"fact": "contract.sla_tier", "op": "equals", "value": "gold"}],
            "targets": {"normal": {"first_response": 30}, "high": {"first_response": 30}},
        },
        {"name": "standard", "targets": {"normal": {"first_response": 480}}},
    ]
}


def make_organisation(uow: UnitOfWork, name: str = "Acme") -> Organization:
    organisation = Organization(name=name)
    uow.session.add(organisation)
    uow.session.flush()
    return organisation


def make_person(uow: UnitOfWork, organisation: Organization | None, name: str = "Pat") -> Customer:
    person = make_customer(uow, name)
    person.organization_id = organisation.id if organisation else None
    uow.session.flush()
    return person


def make_contract(uow: UnitOfWork, number: str = "C-1", **values) -> Contract:  # type: ignore[no-untyped-def]
    fields = {
        "starts_on": TODAY - timedelta(days=30),
        "ends_on": TODAY + timedelta(days=335),
        "status": ContractStatus.ACTIVE,
        "sla_tier": "gold",
        **values,
    }
    return save_contract(uow.session, Viewer.system(), ContractDraft(number=number, **fields))


def ask(desk: Container, person: Customer, external_id: str, channel: str = "email") -> int:
    """A message from `person` through the whole intake; the request's id."""
    kind = IdentityKind.EMAIL
    message = InboundMessage(
        channel=channel,
        external_id=external_id,
        subject="Printer jammed",
        text="The printer on floor two is jammed again.",
        sender=Sender(kind, person.email or ""),
    )
    with desk.uow() as uow:
        result = receive_inbound(uow, message, router=desk.router)
        uow.commit()
    return result.request_id


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)
