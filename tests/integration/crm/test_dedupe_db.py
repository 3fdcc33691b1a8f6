"""find_duplicates over the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from crm_core.customers import ChannelIdentity, Customer, IdentityKind
from crm_core.dedupe import find_duplicates
from crm_core.organisations import create_organisation


def test_exact_and_fuzzy_candidates_come_back_scored_with_reasons(uow_factory) -> None:
    with uow_factory() as uow:
        session = uow.session
        acme = create_organisation(session, "Acme")
        people = [
            Customer(name="José García", email="jose@acme.com", organization=acme),
            Customer(name="JOSE  GARCIA", email="jgarcia@acme.com", organization=acme),
            Customer(name="Ann Lee", phone="+4930901820"),
            Customer(name="Ann Lee-Smith", address="1 Main St"),
            Customer(name="Bob Stone", address="1 Main St"),
        ]
        session.add_all(people)
        session.flush()
        # Ann's phone is also an identity of the fourth customer: the same person twice.
        session.add(
            ChannelIdentity(customer=people[3], kind=IdentityKind.PHONE, address="+49 30 901820")
        )
        uow.commit()
        ids = [p.id for p in people]
    with uow_factory() as uow:
        found = find_duplicates(uow.session)
    assert [(p.left_id, p.right_id, p.score, p.reasons) for p in found] == [
        (ids[0], ids[1], 100.0, ("similar name (100) at the same organisation",)),
        (ids[2], ids[3], 100.0, ("same phone +4930901820",)),
    ]
