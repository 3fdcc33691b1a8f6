"""Find candidate duplicate customers in the database (exact and fuzzy together)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.customers import ChannelIdentity, Customer, IdentityKind
from crm_core.dedupe.exact import Contact, exact_pairs
from crm_core.dedupe.fuzzy import ADDRESS_THRESHOLD, NAME_THRESHOLD, Person, fuzzy_pairs
from crm_core.dedupe.pairs import CandidatePair, combine

_BATCH = 5000


def find_duplicates(
    session: Session,
    name_threshold: float = NAME_THRESHOLD,
    address_threshold: float = ADDRESS_THRESHOLD,
) -> list[CandidatePair]:
    """Every candidate pair, best first. Reads only the columns matching needs."""
    exact = exact_pairs(_contacts(session))
    fuzzy = fuzzy_pairs(_people(session), name_threshold, address_threshold)
    return combine([*exact, *fuzzy])


def _people(session: Session) -> Iterator[Person]:
    query = select(Customer.id, Customer.name, Customer.organization_id, Customer.address)
    for row in session.execute(query.execution_options(yield_per=_BATCH)):
        yield Person(*row)


def _contacts(session: Session) -> Iterator[Contact]:
    """Emails and phones from the customer records and from their identities."""
    columns = select(Customer.id, Customer.email, Customer.phone)
    for customer_id, email, phone in session.execute(columns.execution_options(yield_per=_BATCH)):
        if email:
            yield customer_id, "email", email
        if phone:
            yield customer_id, "phone", phone
    identities = select(ChannelIdentity.customer_id, ChannelIdentity.kind, ChannelIdentity.address)
    identities = identities.where(
        ChannelIdentity.kind.in_([IdentityKind.EMAIL, IdentityKind.PHONE])
    )
    for customer_id, kind, address in session.execute(
        identities.execution_options(yield_per=_BATCH)
    ):
        yield customer_id, str(kind.value), address
