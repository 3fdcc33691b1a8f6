"""Find candidate duplicate customers in the database (exact and fuzzy together).

Phones are compared by their keyed digests (crm_core.crypto), never decrypted in bulk;
the number is decrypted only for the reason text of a pair. Addresses are decrypted for
fuzzy matching.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.crypto import FieldCrypto, crypto_of
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
    crypto = crypto_of(session)
    exact = [_shown(session, crypto, pair) for pair in exact_pairs(_contacts(session))]
    fuzzy = fuzzy_pairs(_people(session, crypto), name_threshold, address_threshold)
    return combine([*exact, *fuzzy])


def _people(session: Session, crypto: FieldCrypto) -> Iterator[Person]:
    query = select(Customer.id, Customer.name, Customer.organization_id, Customer.address)
    for customer_id, name, organisation_id, address in session.execute(
        query.execution_options(yield_per=_BATCH)
    ):
        yield Person(
            customer_id, name, organisation_id, crypto.decrypt(address) if address else None
        )


_SAME_PHONE = "same phone "


def _shown(session: Session, crypto: FieldCrypto, pair: CandidatePair) -> CandidatePair:
    """The pair with the phone number itself in its reason instead of its digest."""
    reason = pair.reasons[0]
    if not reason.startswith(_SAME_PHONE):
        return pair
    digest = reason.removeprefix(_SAME_PHONE)
    token = (
        session.scalars(
            select(Customer.phone).where(Customer.phone_hash == digest).limit(1)
        ).first()
        or session.scalars(
            select(ChannelIdentity.secret).where(
                ChannelIdentity.kind == IdentityKind.PHONE, ChannelIdentity.address == digest
            )
        ).first()
    )
    if not token:
        return pair
    return CandidatePair(
        pair.left_id, pair.right_id, pair.score, (_SAME_PHONE + crypto.decrypt(token),)
    )


def _contacts(session: Session) -> Iterator[Contact]:
    """Emails and phones from the customer records and from their identities."""
    columns = select(Customer.id, Customer.email, Customer.phone_hash)
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
