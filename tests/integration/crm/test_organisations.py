"""Organisations on SQLite and PostgreSQL: domains, tiers, inference from email."""

from __future__ import annotations

import pytest

from crm_core.customers import Customer
from crm_core.normalise import InvalidValue
from crm_core.organisations import (
    Tier,
    add_domain,
    create_organisation,
    domains_of,
    find_organisation_by_name,
    infer_customer_organisation,
    infer_organisation,
    is_freemail,
    learn_domain,
    parse_tier,
)


def test_an_organisation_is_created_clean_with_its_domains(uow_factory) -> None:
    with uow_factory() as uow:
        acme = create_organisation(
            uow.session,
            "  Acme   GmbH ",
            domains=["https://www.ACME.com/about", "@acme.de"],
            address=" Hauptstr. 1 \n\n 10115  Berlin ",
            tier=Tier.ENTERPRISE,
            owner_id=7,
        )
        uow.commit()
    with uow_factory() as uow:
        found = find_organisation_by_name(uow.session, "acme gmbh")
        assert found is not None
        assert found.id == acme.id
        assert (found.name, found.domain, found.tier, found.owner_id) == (
            "Acme GmbH",
            "acme.com",
            "enterprise",
            7,
        )
        assert found.address == "Hauptstr. 1\n10115 Berlin"
        assert domains_of(uow.session, found) == ["acme.com", "acme.de"]


def test_people_are_placed_by_company_domain_never_by_free_mail(uow_factory) -> None:
    with uow_factory() as uow:
        acme = create_organisation(uow.session, "Acme", domains=["acme.com"])
        assert infer_organisation(uow.session, "jane@acme.com") is acme
        assert infer_organisation(uow.session, "jane@other.com") is None
        assert infer_organisation(uow.session, "jane@gmail.com") is None
        with pytest.raises(InvalidValue, match="free-mail"):
            add_domain(uow.session, acme, "gmail.com")


def test_a_new_customer_joins_the_domain_s_organisation_without_a_flush(uow_factory) -> None:
    with uow_factory() as uow:
        acme = create_organisation(uow.session, "Acme", domains=["acme.com"])
        uow.session.flush()
        jane = Customer(name="Jane", email="jane@acme.com")
        uow.session.add(jane)
        assert infer_customer_organisation(uow.session, jane) is True
        # Still pending: intake flushes the customer once, with its request.
        assert jane in uow.session.new
        assert jane.organization is acme
        uow.session.flush()
        assert jane.organization_id == acme.id


def test_a_domain_claimed_later_in_the_transaction_still_places_new_customers(
    uow_factory,
) -> None:
    with uow_factory() as uow:
        acme = create_organisation(uow.session, "Acme")
        early = Customer(name="Early", email="early@acme.com")
        uow.session.add(early)
        assert infer_customer_organisation(uow.session, early) is False  # not claimed yet
        add_domain(uow.session, acme, "acme.com")
        late = Customer(name="Late", email="late@acme.com")
        uow.session.add(late)
        assert infer_customer_organisation(uow.session, late) is True
        assert late.organization is acme


def test_a_domain_belongs_to_one_organisation(uow_factory) -> None:
    with uow_factory() as uow:
        acme = create_organisation(uow.session, "Acme", domains=["acme.com"])
        other = create_organisation(uow.session, "Other")
        assert add_domain(uow.session, acme, "ACME.com") is False
        with pytest.raises(InvalidValue, match="already the domain of 'Acme'"):
            add_domain(uow.session, other, "acme.com")


def test_a_domain_is_learnt_only_by_an_organisation_without_one(uow_factory) -> None:
    with uow_factory() as uow:
        acme = create_organisation(uow.session, "Acme")
        assert learn_domain(uow.session, acme, "jane@gmail.com") is False
        assert learn_domain(uow.session, acme, "jane@acme.com") is True
        assert learn_domain(uow.session, acme, "joe@consulting.example") is False
        assert domains_of(uow.session, acme) == ["acme.com"]
        assert infer_organisation(uow.session, "joe@acme.com") is acme


def test_free_mail_knows_providers_and_their_subdomains() -> None:
    assert is_freemail("gmail.com")
    assert is_freemail("QQ.com")
    assert is_freemail("mail.163.com")
    assert not is_freemail("acme.com")
    assert not is_freemail("com")


def test_tiers_are_choices() -> None:
    assert parse_tier(" Premium ") is Tier.PREMIUM
    assert parse_tier("") is Tier.STANDARD
    with pytest.raises(InvalidValue, match="unknown choice"):
        parse_tier("platinum")


def test_names_match_without_case_accents_or_spacing(uow_factory) -> None:
    with uow_factory() as uow:
        ecole = create_organisation(uow.session, "École Polytechnique")
        uow.commit()
    with uow_factory() as uow:
        found = find_organisation_by_name(uow.session, "  ECOLE   polytechnique")
        assert found is not None
        assert found.id == ecole.id
        found.name = "École Polytechnique Paris"
        uow.commit()
    with uow_factory() as uow:
        assert find_organisation_by_name(uow.session, "ecole polytechnique paris") is not None
