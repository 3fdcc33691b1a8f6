"""Custom fields: definitions, validation on every write, sensitive values encrypted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_core.customers import Customer, CustomFieldDefinition
from crm_core.customers.custom_fields import (
    FieldErrors,
    FieldSpec,
    clean_value,
    custom_values,
    define_field,
    set_custom_values,
)
from crm_core.normalise import DateOrder, InvalidValue
from crm_core.organisations import create_organisation


def _fields(session) -> None:  # type: ignore[no-untyped-def]
    define_field(session, FieldSpec("customer", "Contract number", "text", required=True))
    define_field(session, FieldSpec("customer", "Seats", "number"))
    define_field(session, FieldSpec("customer", "Renewal date", "date"))
    define_field(session, FieldSpec("customer", "Plan", "choice", choices=("Basic", "Pro", "")))
    define_field(session, FieldSpec("customer", "Tax id", "text", sensitive=True))


def test_values_are_validated_named_and_stored_in_canonical_form(
    uow_factory, engine: Engine
) -> None:
    with uow_factory() as uow:
        _fields(uow.session)
        customer = Customer(name="Ann")
        uow.session.add(customer)
        uow.session.flush()
        with pytest.raises(FieldErrors) as failed:
            set_custom_values(
                uow.session,
                customer,
                {"seats": "many", "renewal_date": "31/02/2025", "plan": "Gold", "colour": "red"},
            )
        fields = sorted(e.field for e in failed.value.errors)
        # every bad value, the unknown field and the missing required one, each by name
        assert fields == ["colour", "contract_number", "plan", "renewal_date", "seats"]
        assert "unknown choice (one of Basic, Pro)" in str(failed.value)
        assert custom_values(uow.session, customer) == {}  # nothing stored
        stored = set_custom_values(
            uow.session,
            customer,
            {"contract_number": " C-1 ", "seats": "12.50", "renewal_date": "5 March 2025",
             "plan": "pro", "tax_id": "DE123456789"},
        )  # fmt: skip
        assert stored == {
            "contract_number": "C-1", "seats": "12.50", "renewal_date": "2025-03-05",
            "plan": "Pro", "tax_id": "DE123456789",
        }  # fmt: skip
        # A later write of one field keeps the required one that is already there.
        set_custom_values(uow.session, customer, {"seats": "3"})
        uow.commit()
    with uow_factory() as uow:
        reloaded = uow.session.get(Customer, customer.id)
        assert reloaded is not None
        assert custom_values(uow.session, reloaded)["tax_id"] == "DE123456789"
        assert custom_values(uow.session, reloaded)["seats"] == "3"
    with engine.connect() as conn:
        values = dict(conn.execute(text(
            "SELECT d.key, v.value FROM custom_field_values v "
            "JOIN custom_field_definitions d ON d.id = v.definition_id"
        )).all())  # fmt: skip
    assert values["contract_number"] == "C-1"  # not sensitive: plain
    assert "DE123456789" not in str(values["tax_id"])  # sensitive: encrypted


def test_definitions_are_checked(uow_factory) -> None:
    with uow_factory() as uow:
        acme = create_organisation(uow.session, "Acme")
        made = define_field(uow.session, FieldSpec("organisation", "Größe Kategorie", "number"))
        assert made.key == "grosse_kategorie"
        for spec, field in (
            (FieldSpec("organisation", "Größe Kategorie", "number"), "key"),
            (FieldSpec("customer", "", "text"), "label"),
            (FieldSpec("customer", "Colour", "colour"), "kind"),
            (FieldSpec("people", "Colour", "text"), "entity"),
            (FieldSpec("customer", "Colour", "choice"), "choices"),
            (FieldSpec("customer", "Colour", "text", key="Bad Key!"), "key"),
        ):
            with pytest.raises(InvalidValue) as error:
                define_field(uow.session, spec)
            assert error.value.field == field
        assert set_custom_values(uow.session, acme, {"grosse_kategorie": "1e3"}) == {
            "grosse_kategorie": "1E+3"
        }


def _number_field() -> CustomFieldDefinition:
    return CustomFieldDefinition(key="n", label="N", kind="number", required=False, choices="")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_numbers_come_back_as_the_same_number(number: Decimal) -> None:
    from crm_core.customers import FieldKind

    field = _number_field()
    field.kind = FieldKind.NUMBER
    assert Decimal(clean_value(field, str(number)) or "0") == number


@settings(max_examples=50, deadline=None)
@given(st.dates(), st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%d %B %Y", "%Y年%m月%d日"]))
def test_dates_in_any_common_format_are_stored_in_iso_form(day, pattern: str) -> None:  # type: ignore[no-untyped-def]
    from crm_core.customers import FieldKind

    field = _number_field()
    field.kind = FieldKind.DATE
    if day.year < 1000:
        return
    assert clean_value(field, day.strftime(pattern), DateOrder.DAY_FIRST) == day.isoformat()
