"""What requests use of a contract: incidents (once per request) and logged time.

The desk calls these with a request's id, channel and customer; crm_core never reads
the request itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.contracts.models import Contract, ContractStatus, IncidentUse, Standing, TimeEntry
from crm_core.contracts.operations import contracts_held
from crm_core.contracts.terms import (
    Candidate,
    Entitlement,
    covers_channel,
    in_force,
    pick_candidate,
)
from crm_core.db import utcnow

MAX_MINUTES = 24 * 60  # one entry: a day's work at most


def entitlement_of(session: Session, contract: Contract) -> Entitlement:
    """The contract's entitlement with every covered incident and logged minute counted."""
    return entitlements_of(session, [contract])[contract.id]


def entitlements_of(session: Session, contracts: Sequence[Contract]) -> dict[int, Entitlement]:
    """The entitlements of many contracts (a list page) in two grouped queries."""
    ids = [contract.id for contract in contracts]
    incidents = dict(
        session.execute(
            select(IncidentUse.contract_id, func.count(IncidentUse.id))
            .where(IncidentUse.contract_id.in_(ids), IncidentUse.standing == Standing.COVERED)
            .group_by(IncidentUse.contract_id)
        ).all()
    )
    minutes = dict(
        session.execute(
            select(TimeEntry.contract_id, func.sum(TimeEntry.minutes))
            .where(TimeEntry.contract_id.in_(ids))
            .group_by(TimeEntry.contract_id)
        ).all()
    )
    return {
        c.id: Entitlement(
            c.incidents_included,
            int(incidents.get(c.id) or 0),
            c.minutes_included,
            int(minutes.get(c.id) or 0),
        )
        for c in contracts
    }


def candidates_for(
    session: Session,
    customer_id: int | None,
    organization_id: int | None,
    channel: str | None,
    day: date,
) -> list[Candidate]:
    """The contracts in force on `day` that cover `channel` (None: any channel)."""
    return [
        Candidate(
            contract,
            customer_id is not None and contract.customer_id == customer_id,
            entitlement_of(session, contract),
        )
        for contract in contracts_held(session, customer_id, organization_id)
        if in_force(contract, day) and (channel is None or covers_channel(contract, channel))
    ]


def pick_contract(
    session: Session,
    customer_id: int | None,
    organization_id: int | None,
    channel: str | None,
    day: date,
) -> Candidate | None:
    """The one contract that covers a request of this customer on this channel and day."""
    return pick_candidate(candidates_for(session, customer_id, organization_id, channel, day))


def record_incident(
    session: Session, candidate: Candidate, request_id: int, channel: str, at: datetime
) -> IncidentUse:
    """Count the request against the contract, once: a second call returns the first row.

    An exhausted contract records the request as `exhausted` (flagged, nothing consumed).
    """
    contract = candidate.contract
    existing = incident_of(session, request_id, contract.id)
    if existing is not None:
        return existing
    standing = Standing.EXHAUSTED if candidate.entitlement.exhausted else Standing.COVERED
    row = IncidentUse(
        contract_id=contract.id, request_id=request_id, channel=channel, standing=standing, at=at
    )
    try:
        with session.begin_nested():  # a concurrent intake may have counted it first
            session.add(row)
    except IntegrityError:
        found = incident_of(session, request_id, contract.id)
        if found is None:
            raise
        return found
    return row


def incident_of(
    session: Session, request_id: int, contract_id: int | None = None
) -> IncidentUse | None:
    """The request's row (against `contract_id`, or the latest of any contract)."""
    query = select(IncidentUse).where(IncidentUse.request_id == request_id)
    if contract_id is not None:
        query = query.where(IncidentUse.contract_id == contract_id)
    return session.scalars(query.order_by(IncidentUse.id.desc()).limit(1)).first()


def log_time(
    session: Session,
    request_id: int,
    agent_id: int | None,
    minutes: int,
    note: str = "",
) -> TimeEntry:
    """Count an agent's minutes on a covered request against its contract's hours."""
    if not 0 < minutes <= MAX_MINUTES:
        raise ValueError(f"minutes: between 1 and {MAX_MINUTES}")
    incident = incident_of(session, request_id)
    if incident is None:
        raise ValueError("request: no contract covers this request, so its time is not counted")
    contract = session.get_one(Contract, incident.contract_id)
    if contract.status == ContractStatus.CANCELLED:
        raise ValueError(f"request: contract {contract.number} is cancelled")
    entry = TimeEntry(
        contract_id=contract.id,
        request_id=request_id,
        agent_id=agent_id,
        minutes=minutes,
        note=note.strip()[:300],
        at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def time_of(session: Session, request_id: int) -> int:
    """Minutes logged on a request, over every contract."""
    total = session.scalar(
        select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
            TimeEntry.request_id == request_id
        )
    )
    return int(total or 0)
