"""Customer records on SQLite and PostgreSQL: encryption at rest, phone lookups through
digests, key rotation, standardisation on every write, addresses, tags, completion."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_core.crypto import FieldCrypto, rotate_keys, session_info
from crm_core.customers import Customer, IdentityKind, find_identity, resolve_identity
from crm_core.customers.operations import (
    AddressInput,
    add_address,
    add_tag,
    addresses_of,
    remove_tag,
    tags_of,
    update_contact,
)
from crm_core.customers.standard import PHONE_REGION_KEY
from crm_core.db import UnitOfWork, make_session_factory
from crm_core.normalise import InvalidValue
from crm_core.organisations import complete_customer, create_organisation
from tests.conftest import TEST_CRYPTO, new_crypto


def raw(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def test_phone_and_address_are_encrypted_at_rest_and_plain_when_loaded(
    uow_factory, engine: Engine
) -> None:
    with uow_factory() as uow:
        customer = Customer(
            name="  Ann   Lee ", phone="+49 30 901820", address=" 1 Main St \n\n Leeds "
        )
        uow.session.add(customer)
        uow.commit()
        assert customer.phone == "+4930901820"  # still plaintext after the flush
    stored = raw(engine, "SELECT name, phone, phone_hash, address FROM customers")
    name, phone, digest, address = stored[0]
    assert name == "Ann Lee"
    assert isinstance(phone, str) and phone.startswith("gAAAAA") and "901820" not in phone
    assert digest == TEST_CRYPTO.digest("+4930901820")
    assert isinstance(address, str) and "Main" not in address
    with uow_factory() as uow:
        loaded = uow.session.get(Customer, customer.id)
        assert loaded is not None
        assert (loaded.phone, loaded.address) == ("+4930901820", "1 Main St\nLeeds")
        assert not uow.session.dirty  # decrypting on load changes nothing


def test_phone_identities_are_found_through_their_digest_whatever_the_format(
    uow_factory, engine: Engine
) -> None:
    with uow_factory() as uow:
        uow.session.info[PHONE_REGION_KEY] = "DE"
        ann = resolve_identity(uow.session, IdentityKind.PHONE, "030 901820", "Ann")
        uow.commit()
    with uow_factory() as uow:
        uow.session.info[PHONE_REGION_KEY] = "DE"
        for written in ("+49 30 901820", "0049 30 901820", "(030) 901-820"):
            identity = find_identity(uow.session, IdentityKind.PHONE, written)
            assert identity is not None and identity.customer_id == ann.id
            assert identity.shown_address == "+4930901820"
    addresses = raw(engine, "SELECT address, secret FROM channel_identities")
    assert addresses[0][0] == TEST_CRYPTO.digest("+4930901820")
    assert "901820" not in str(addresses[0][1])


def test_rotation_re_encrypts_every_value_with_the_newest_key(uow_factory, engine: Engine) -> None:
    _rotation_encrypts_values_written_before_encryption(uow_factory, engine)
    old, new = new_crypto(), new_crypto()
    both = FieldCrypto((*new.encryption_keys, *old.encryption_keys), old.search_key)
    only_new = FieldCrypto(new.encryption_keys, old.search_key)

    def factory(crypto: FieldCrypto):  # type: ignore[no-untyped-def]
        return make_session_factory(engine, session_info(crypto))

    with UnitOfWork(factory(old)) as uow:
        customer = Customer(name="Bo", phone="+4930901821", address="2 High St")
        uow.session.add(customer)
        uow.session.flush()
        add_address(uow.session, customer, AddressInput(kind="billing", line1="2 High St"))
        uow.commit()
    counts = rotate_keys(factory(both), both)
    assert counts["customers"] == 1 and counts["addresses"] == 1
    assert rotate_keys(factory(both), both)["customers"] == 0  # safe to run twice
    with UnitOfWork(factory(only_new)) as uow:
        loaded = uow.session.get(Customer, customer.id)
        assert loaded is not None and loaded.phone == "+4930901821"
        assert addresses_of(uow.session, loaded)[0].line1 == "2 High St"
        # The digest did not change: lookups keep working across a rotation.
        assert loaded.phone_hash == old.digest("+4930901821")


def _rotation_encrypts_values_written_before_encryption(uow_factory, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        uow.session.add(Customer(name="Legacy"))
        uow.commit()
    with engine.begin() as conn:
        conn.execute(text("UPDATE customers SET phone = '+4930901822'"))
    rotate_keys(make_session_factory(engine, session_info(TEST_CRYPTO)), TEST_CRYPTO)
    phone, digest = raw(engine, "SELECT phone, phone_hash FROM customers")[0]
    assert str(phone).startswith("gAAAAA")
    assert digest == TEST_CRYPTO.digest("+4930901822")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM customers"))  # made with other keys than the test's


def test_contact_changes_are_standardised_and_validated(uow_factory) -> None:
    with uow_factory() as uow:
        customer = Customer(name="x")
        uow.session.add(customer)
        uow.session.flush()
        update_contact(uow.session, customer, name=" Jo  Li ", email=" JO@Example.COM ",
                       phone="+1 (650) 253-0000")  # fmt: skip
        assert (customer.name, customer.email, customer.phone) == (
            "Jo Li",
            "jo@example.com",
            "+16502530000",
        )
        kinds = sorted((i.kind.value, i.shown_address) for i in customer.identities)
        assert kinds == [("email", "jo@example.com"), ("phone", "+16502530000")]
        with pytest.raises(InvalidValue) as error:
            update_contact(uow.session, customer, email="not an address")
        assert error.value.field == "email"
        with pytest.raises(InvalidValue) as error:
            update_contact(uow.session, customer, phone="12")
        assert error.value.field == "phone"


def test_addresses_are_structured_and_trimmed_and_tags_kept_once(uow_factory) -> None:
    _tags_are_added_once_and_removed(uow_factory)
    with uow_factory() as uow:
        customer = Customer(name="Ann")
        uow.session.add(customer)
        uow.session.flush()
        given = AddressInput(
            kind=" Shipping ",
            line1=" 1  Main St ",
            city=" Leeds ",
            postcode="ls1 4ap",
            country="gb",
        )
        a = add_address(uow.session, customer, given)
        assert (a.kind.value, a.line1, a.city, a.postcode, a.country) == (
            "shipping", "1 Main St", "Leeds", "LS1 4AP", "GB",
        )  # fmt: skip
        for bad, field in (
            (AddressInput(line1="x", country="Germany"), "country"),
            (AddressInput(line1="x", kind="home"), "kind"),
            (AddressInput(line1="  "), "line1"),
        ):
            with pytest.raises(InvalidValue) as error:
                add_address(uow.session, customer, bad)
            assert error.value.field == field


def _tags_are_added_once_and_removed(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        acme = create_organisation(uow.session, "Acme")
        customer = Customer(name="Ann")
        uow.session.add(customer)
        uow.session.flush()
        add_tag(uow.session, customer, "Beta ")
        add_tag(uow.session, customer, "beta")
        add_tag(uow.session, customer, "Reseller")
        add_tag(uow.session, acme, "béta")
        assert [t.name for t in tags_of(uow.session, customer)] == ["Beta", "Reseller"]
        assert [t.name for t in tags_of(uow.session, acme)] == ["Beta"]
        # Organisations have structured addresses too, and only their own.
        add_address(uow.session, acme, AddressInput(kind="billing", line1="9 Dock Rd"))
        assert [a.line1 for a in addresses_of(uow.session, acme)] == ["9 Dock Rd"]
        assert addresses_of(uow.session, customer) == []
        assert remove_tag(uow.session, customer, "BETA")
        assert not remove_tag(uow.session, customer, "beta")
        assert [t.name for t in tags_of(uow.session, customer)] == ["Reseller"]


def test_completion_fills_the_organisation_from_a_company_domain_and_blanks_from_identities(
    uow_factory,
) -> None:
    with uow_factory() as uow:
        acme = create_organisation(uow.session, "Acme", domains=["acme.com"])
        jane = resolve_identity(uow.session, IdentityKind.EMAIL, "jane@acme.com", "Jane Roe")
        jane.email = None
        jane.name = ""
        resolve_identity(uow.session, IdentityKind.PHONE, "+4930901823")
        phone_identity = find_identity(uow.session, IdentityKind.PHONE, "+4930901823")
        assert phone_identity is not None
        phone_identity.customer = jane
        uow.session.flush()
        uow.session.refresh(jane)
        assert complete_customer(uow.session, jane) == ["email", "phone", "name", "organisation"]
        assert (jane.email, jane.phone, jane.name, jane.organization) == (
            "jane@acme.com", "+4930901823", "Jane Roe", acme,
        )  # fmt: skip
        # A free-mail address never implies an organisation.
        create_organisation(uow.session, "Google", domains=["google.com"])
        sam = resolve_identity(uow.session, IdentityKind.EMAIL, "sam@gmail.com", "Sam")
        assert "organisation" not in complete_customer(uow.session, sam)
        assert sam.organization is None


phones = st.sampled_from(["+4930901820", "+16502530000", "+447911123456", "+33142685300"])
formats = st.sampled_from(["{}", "00{}", "{} ", " {}"])


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(phones, formats, st.integers(min_value=0, max_value=4))
def test_any_spelling_of_a_number_finds_the_same_customer(
    uow_factory, number: str, spelling: str, space_at: int
) -> None:
    digits = number[1:]
    spaced = digits[: space_at + 2] + " " + digits[space_at + 2 :]
    written = spelling.format(spaced if spelling.startswith("00") else "+" + spaced)
    with uow_factory() as uow:
        customer = resolve_identity(uow.session, IdentityKind.PHONE, number)
        found = find_identity(uow.session, IdentityKind.PHONE, written)
        assert found is not None and found.customer_id == customer.id
        assert customer.phone == number


def test_intake_standardises_the_sender_and_infers_the_organisation(uow_factory) -> None:
    from channels.messages import Sender
    from servicedesk.desk.identity import resolve_sender

    with uow_factory() as uow:
        acme = create_organisation(uow.session, "Acme", domains=["acme.com"])
        jane = resolve_sender(uow, Sender(IdentityKind.EMAIL, " Jane.Roe@ACME.com ", " Jane  Roe"))
        sam = resolve_sender(uow, Sender(IdentityKind.EMAIL, "sam@gmail.com", "Sam"))
        uow.session.flush()
        assert (jane.email, jane.name, jane.organization) == ("jane.roe@acme.com", "Jane Roe", acme)
        assert sam.organization is None
        assert resolve_sender(uow, Sender(IdentityKind.EMAIL, "JANE.ROE@acme.com")) is jane
