"""Admins relabel, reorder and delete custom fields; stored values are never stranded."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from crm_core.audit.models import AuditEntry
from crm_core.customers import Customer, CustomFieldDefinition
from crm_core.customers.custom_fields import (
    FieldSpec,
    custom_values,
    define_field,
    definitions,
    set_custom_values,
)
from crm_core.customers.field_models import CustomFieldValue, FieldEntity
from servicedesk.container import Container
from tests.integration.web.conftest import csrf_token, sign_in


def _plan_field_held_by_ann(container: Container) -> tuple[int, int]:
    """A choice field "Plan" (Basic, Pro, Gold), a text field after it, Ann on "Pro"."""
    with container.uow() as uow:
        plan = define_field(
            uow.session, FieldSpec("customer", "Plan", "choice", choices=("Basic", "Pro", "Gold"))
        )
        define_field(uow.session, FieldSpec("customer", "Contract number", "text"))
        ann = Customer(name="Ann Lee", email="ann@acme.example")
        uow.session.add(ann)
        uow.session.flush()
        set_custom_values(uow.session, ann, {"plan": "Pro"})
        uow.commit()
        return plan.id, ann.id


def _admin(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client, "admin@desk.example", "admin-password")
    return client


def test_an_admin_relabels_a_field_and_drops_an_unused_choice_but_not_a_held_one(
    app: Flask, container: Container
) -> None:
    field_id, ann_id = _plan_field_held_by_ann(container)
    admin = _admin(app)
    url = f"/crm/fields/{field_id}/edit"
    page = admin.get(url).get_data(as_text=True)
    assert "1 record(s) hold a value" in page
    token = csrf_token(page)
    refused = admin.post(url, data={"csrf_token": token, "label": "Plan", "choices": "Basic\nGold"})
    assert refused.status_code == 400
    assert "Choices, one a line (choice fields): records still hold this choice" in (
        refused.get_data(as_text=True)
    )
    blank = admin.post(url, data={"csrf_token": token, "label": " ", "choices": "Pro"})
    assert blank.status_code == 400 and "Label:" in blank.get_data(as_text=True)
    saved = admin.post(
        url,
        data={
            "csrf_token": token,
            "label": "Support plan",
            "choices": "Pro\nBasic",
            "required": "y",
        },
    )
    assert saved.status_code == 302
    with container.uow() as uow:
        field = uow.session.get(CustomFieldDefinition, field_id)
        assert field is not None
        assert (field.label, field.key, field.choice_list, field.required) == (
            "Support plan", "plan", ["Pro", "Basic"], True
        )  # fmt: skip
        ann = uow.session.get(Customer, ann_id)
        assert ann is not None and custom_values(uow.session, ann)["plan"] == "Pro"
        logged = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "custom_field")
        ).all()
        assert [entry.action for entry in logged] == ["update"]
        assert logged[0].changes["label"] == ["Plan", "Support plan"]


def test_fields_move_up_and_down_and_deleting_one_takes_its_values_after_confirmation(
    app: Flask, container: Container
) -> None:
    field_id, _ = _plan_field_held_by_ann(container)
    admin = _admin(app)
    token = csrf_token(admin.get("/crm/fields").get_data(as_text=True))
    with container.uow() as uow:
        last = definitions(uow.session, FieldEntity.CUSTOMER)[-1].id
    moved = admin.post(f"/crm/fields/{last}/move", data={"csrf_token": token, "direction": "up"})
    assert moved.status_code == 302
    with container.uow() as uow:
        assert [f.key for f in definitions(uow.session, FieldEntity.CUSTOMER)] == [
            "contract_number", "plan"
        ]  # fmt: skip
    unconfirmed = admin.post(f"/crm/fields/{field_id}/delete", data={"csrf_token": token})
    assert unconfirmed.status_code == 302
    with container.uow() as uow:
        assert uow.session.get(CustomFieldDefinition, field_id) is not None
    deleted = admin.post(
        f"/crm/fields/{field_id}/delete", data={"csrf_token": token, "confirm": "y"}
    )
    assert deleted.status_code == 302
    with container.uow() as uow:
        assert uow.session.get(CustomFieldDefinition, field_id) is None
        assert uow.session.scalars(select(CustomFieldValue)).all() == []
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "custom_field")
        ).all()
        assert "delete" in actions


def test_only_admins_change_fields_and_every_change_needs_the_csrf_token(
    app: Flask, container: Container, agent_client
) -> None:  # type: ignore[no-untyped-def]
    field_id, _ = _plan_field_held_by_ann(container)
    assert agent_client.get(f"/crm/fields/{field_id}/edit").status_code == 403
    token = csrf_token(agent_client.get("/console").get_data(as_text=True))
    refused = agent_client.post(
        f"/crm/fields/{field_id}/delete", data={"csrf_token": token, "confirm": "y"}
    )
    assert refused.status_code == 403
    admin = _admin(app)
    forged = admin.post(f"/crm/fields/{field_id}/delete", data={"confirm": "y"})
    assert forged.status_code == 400  # no CSRF token
    assert admin.get("/crm/fields/9999/edit").status_code == 404
    with container.uow() as uow:
        assert uow.session.get(CustomFieldDefinition, field_id) is not None
