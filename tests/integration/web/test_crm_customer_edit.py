"""Editing a customer in the console: all or nothing, every bad field named, audited."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from crm_core.audit.models import AuditEntry
from crm_core.customers import Customer
from crm_core.customers.custom_fields import FieldSpec, custom_values, define_field
from crm_core.customers.operations import tags_of
from servicedesk.container import Container
from tests.integration.web.conftest import csrf_token, sign_in


def _customer(container: Container) -> int:
    with container.uow() as uow:
        define_field(uow.session, FieldSpec("customer", "Contract number", "number"))
        customer = Customer(name="Ann Lee", email="ann@acme.example")
        uow.session.add(customer)
        uow.commit()
        return customer.id


def test_admin_edits_every_part_and_the_audit_log_keeps_it(
    app: Flask, container: Container
) -> None:
    customer_id = _customer(container)
    admin = app.test_client()
    sign_in(admin, "admin@desk.example", "admin-password")
    url = f"/crm/customers/{customer_id}/edit"
    page = admin.get(url).get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "name": "  Ann   Lee ",
        "email": "ANN@acme.example",
        "phone": "+49 30 901820",
        "owner_id": "",
        "tier": "premium",
        "tags": "beta, vip",
        "address_kind": "billing",
        "address_line1": "Hauptstrasse 5",
        "address_city": "Berlin",
        "address_country": "de",
        "custom_contract_number": "4711",
    }
    assert admin.post(url, data=form).status_code == 302
    with container.uow() as uow:
        stored = uow.session.get(Customer, customer_id)
        assert stored is not None
        assert (stored.name, stored.email, stored.phone, stored.tier) == (
            "Ann Lee", "ann@acme.example", "+4930901820", "premium"
        )  # fmt: skip
        assert sorted(t.name for t in tags_of(uow.session, stored)) == ["beta", "vip"]
        assert custom_values(uow.session, stored)["contract_number"] == "4711"
        changes = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == str(customer_id))
        ).all()
        assert changes, "the edit is in the audit log"
    bad = {**form, "email": "not-an-email", "tier": "gold", "custom_contract_number": "x"}
    refused = admin.post(url, data=bad)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Nothing was saved" in text
    assert "email:" in text and "tier:" in text and "contract_number:" in text
    with container.uow() as uow:
        stored = uow.session.get(Customer, customer_id)
        assert stored is not None and stored.tier == "premium"  # nothing of it was kept


def test_an_agent_without_the_customer_may_not_edit(app: Flask, container: Container) -> None:
    customer_id = _customer(container)
    agent = app.test_client()
    sign_in(agent)
    url = f"/crm/customers/{customer_id}/edit"
    token = csrf_token(agent.get(url).get_data(as_text=True))
    denied = agent.post(url, data={"csrf_token": token, "name": "X", "tier": "standard"})
    assert denied.status_code == 403
