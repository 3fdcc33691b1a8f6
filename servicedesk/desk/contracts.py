"""Service contracts seen from the desk: which contract covers a request, counting it,
and the facts the SLA engine and the router test (`contract.sla_tier`, ...).

The contract is picked and counted once, when the request opens (`cover_new_request`,
called by intake): one incident row per (contract, request), so a second intake or
routing pass counts nothing twice. Later SLA refreshes read that row back, so a request
keeps the contract it opened under; its tier applies only while the contract is in force
(an expired contract falls back to the default SLA at the next refresh).

An exhausted entitlement does not refuse service: the request opens, is tagged
`contract-exhausted` (automations and the inbox can act on the tag) and gets no tier, so
it falls back to the default SLA.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.contracts.models import Contract, IncidentUse, Standing, TimeEntry
from crm_core.contracts.terms import Entitlement, in_force, status_on
from crm_core.contracts.usage import (
    entitlement_of,
    incident_of,
    log_time,
    pick_contract,
    record_incident,
    time_of,
)
from crm_core.per_transaction import once_per_transaction
from servicedesk.desk.audit import record
from servicedesk.desk.models import Agent, ServiceRequest

EXHAUSTED_TAG = "contract-exhausted"
NO_CONTRACT: dict[str, Any] = {"contract.sla_tier": None, "contract.exhausted": False}


def cover_new_request(
    session: Session, request: ServiceRequest, now: datetime
) -> IncidentUse | None:
    """Pick the request's contract and count the request against it (once)."""
    customer = request.customer
    if customer is None or not _any_contract(session):
        return None
    candidate = pick_contract(
        session, customer.id, customer.organization_id, request.channel, now.date()
    )
    if candidate is None:
        return None
    use = record_incident(session, candidate, request.id, request.channel, now)
    if use.standing == Standing.EXHAUSTED and EXHAUSTED_TAG not in (request.tags or []):
        request.tags = [*(request.tags or []), EXHAUSTED_TAG]
    return use


def sla_contract_facts(session: Session, request: ServiceRequest, now: datetime) -> dict[str, Any]:
    """The contract facts of a request already counted: its tier while the contract is in
    force and the request was covered, else none (the default SLA)."""
    use = incident_of(session, request.id) if request.id is not None else None
    if use is None:
        return dict(NO_CONTRACT)
    contract = session.get_one(Contract, use.contract_id)
    covered = use.standing == Standing.COVERED and in_force(contract, now.date())
    return {
        "contract.sla_tier": (contract.sla_tier or None) if covered else None,
        "contract.exhausted": use.standing == Standing.EXHAUSTED,
    }


def routing_contract_facts(session: Session, request: ServiceRequest, day: date) -> dict[str, Any]:
    """What the router sees of a request still opening: the contract that will cover it."""
    customer = request.customer
    if customer is None or not _any_contract(session):
        return dict(NO_CONTRACT)
    with session.no_autoflush:  # the opening request is flushed later, once, by intake
        candidate = pick_contract(
            session, customer.id, customer.organization_id, request.channel, day
        )
    if candidate is None:
        return dict(NO_CONTRACT)
    exhausted = candidate.entitlement.exhausted
    return {
        "contract.sla_tier": None if exhausted else (candidate.contract.sla_tier or None),
        "contract.exhausted": exhausted,
    }


_ANY_KEY = "contracts.any_in_transaction"


def _any_contract(session: Session) -> bool:
    """Whether any contract exists, asked once per transaction: a desk without contracts
    (most) then spends no look-up on a new request, and a mail batch one in all."""
    exists = select(Contract.id).limit(1)
    return once_per_transaction(session, _ANY_KEY, lambda: session.scalar(exists) is not None)


@dataclass(frozen=True)
class ContractCard:
    """A contract as the console shows it beside a request or a customer."""

    contract: Contract
    status: str
    entitlement: Entitlement
    standing: str | None = None  # the request's, on the request page
    minutes_logged: int = 0  # on this request


def request_contract(session: Session, request: ServiceRequest, day: date) -> ContractCard | None:
    """The contract that covers the request, with the entitlement left."""
    use = incident_of(session, request.id)
    if use is None:
        return None
    contract = session.get_one(Contract, use.contract_id)
    return ContractCard(
        contract,
        status_on(contract, day).value,
        entitlement_of(session, contract),
        use.standing.value,
        time_of(session, request.id),
    )


def holder_contract(
    session: Session, customer_id: int | None, organization_id: int | None, day: date
) -> ContractCard | None:
    """The contract in force for a customer (or an organisation) on any channel."""
    candidate = pick_contract(session, customer_id, organization_id, None, day)
    if candidate is None:
        return None
    contract = candidate.contract
    return ContractCard(contract, status_on(contract, day).value, candidate.entitlement)


def log_request_time(
    session: Session, request_id: int, agent: Agent, minutes: int, note: str = ""
) -> TimeEntry:
    """An agent's minutes on a covered request, counted against the contract's hours and
    written to the request's audit trail; a ValueError names the field."""
    request = session.get(ServiceRequest, request_id)
    if request is None:
        raise LookupError(f"no request {request_id}")
    entry = log_time(session, request_id, agent.id, minutes, note)
    record(session, request, "time_logged", "agent", agent, minutes=minutes)
    return entry
