"""Renewal reminders: which are due on a day, and claiming each so it is sent once.

A contract with `remind_days` [30, 7] reminds its owner 30 and 7 days before its renewal
date. A daily run that finds several thresholds passed at once (a contract entered late,
or a day the job did not run) sends the nearest one only and claims the others with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.contracts.models import Contract, ContractStatus, RenewalReminder
from crm_core.customers import Customer, Organization


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send now: `days_before` is the threshold it stands for."""

    contract_id: int
    number: str
    renewal_on: date
    days_before: int
    owner_id: int
    claims: tuple[int, ...]  # every passed, unsent threshold this reminder covers

    @property
    def key(self) -> str:
        return f"contract-renewal:{self.contract_id}:{self.renewal_on}:{self.days_before}"

    def text(self, holder: str) -> str:
        return (
            f"Contract {self.number} ({holder}) is up for renewal on "
            f"{self.renewal_on:%Y-%m-%d}, in {self.days_before} days or less."
        )


def due_reminders(session: Session, today: date) -> list[DueReminder]:
    """Reminders due today and not sent yet, for active contracts with an owner."""
    query = select(Contract).where(
        Contract.status == ContractStatus.ACTIVE,
        Contract.renewal_on.is_not(None),
        Contract.renewal_on >= today,
    )
    due = []
    for contract in session.scalars(query):
        renewal_on = contract.renewal_on
        assert renewal_on is not None  # filtered above
        passed = [d for d in contract.remind_days or [] if today >= renewal_on - timedelta(d)]
        sent = set(
            session.scalars(
                select(RenewalReminder.days_before).where(
                    RenewalReminder.contract_id == contract.id,
                    RenewalReminder.renewal_on == renewal_on,
                )
            )
        )
        unsent = tuple(sorted(d for d in passed if d not in sent))
        owner_id = owner_of(session, contract)
        if unsent and owner_id is not None:
            due.append(
                DueReminder(contract.id, contract.number, renewal_on, unsent[0], owner_id, unsent)
            )
    return due


def claim_reminder(session: Session, reminder: DueReminder) -> bool:
    """Record the reminder as sent; False when another run claimed it first."""
    try:
        with session.begin_nested():
            for days in reminder.claims:
                session.add(
                    RenewalReminder(
                        contract_id=reminder.contract_id,
                        renewal_on=reminder.renewal_on,
                        days_before=days,
                        owner_id=reminder.owner_id,
                    )
                )
    except IntegrityError:
        return False
    return True


def owner_of(session: Session, contract: Contract) -> int | None:
    """The contract's owner, else the owner of the customer or organisation holding it."""
    if contract.owner_id is not None:
        return contract.owner_id
    return holder_of(session, contract)[1]


def holder_of(session: Session, contract: Contract) -> tuple[str, int | None]:
    """The holder's name and owning rep."""
    if contract.customer_id is not None:
        customer = session.get_one(Customer, contract.customer_id)
        return customer.display_name, customer.owner_id
    organisation = session.get_one(Organization, contract.organization_id)
    return organisation.name, organisation.owner_id
