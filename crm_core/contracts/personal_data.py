"""The GDPR parts of service contracts, added to the registry by `crm_core.personal_data`.

What erasure does: a contract is the business's record (term, entitlements, usage), so
it stays. A contract the person held themselves keeps pointing at their tombstone, its
notes blanked; an organisation's contract that names the person as its contact loses
the contact and nothing else: the organisation's contract, its tier and its usage
survive the erasure of one of its people.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_core.contracts.models import Contract
from crm_core.jsonable import row_as_json
from crm_core.privacy import PrivacyRegistry
from crm_core.privacy.registry import Erasure

TABLES = ["service_contracts"]


def add_contract_parts(registry: PrivacyRegistry) -> None:
    registry.add_exporter("service_contracts", export_contracts, TABLES)
    registry.add_eraser("service_contracts", erase_contract_person, TABLES)


def export_contracts(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Contracts the person holds or is the contact of."""
    query = (
        select(Contract)
        .where((Contract.customer_id == customer_id) | (Contract.contact_id == customer_id))
        .order_by(Contract.id)
    )
    return [row_as_json(contract) for contract in session.scalars(query)]


def erase_contract_person(session: Session, erasure: Erasure) -> None:
    """Detach the person as a contact; blank the notes of contracts they held."""
    person = erasure.customer_id
    session.execute(update(Contract).where(Contract.contact_id == person).values(contact_id=None))
    session.execute(update(Contract).where(Contract.customer_id == person).values(notes=""))
