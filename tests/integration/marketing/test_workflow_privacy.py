"""GDPR: a person's workflow enrolments and step log are in their export and gone after
their erasure (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from crm_core.access import Viewer
from crm_core.campaigns.workflows.models import Enrolment, StepLog
from crm_core.customers import Customer
from crm_core.customers.operations import add_tag
from servicedesk.desk.privacy.operations import erase_person, export_person, registry_with
from tests.factories import make_customer
from tests.integration.marketing.workflow_helpers import Clock, active_workflow, build


def test_workflow_traces_are_exported_and_erased(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Clock(monkeypatch)
    container = build(engine, tmp_path)
    active_workflow(
        container, "Tagged", "tag_added", {"tag": "go"}, [{"id": "t", "type": "tag", "tag": "done"}]
    )
    with container.uow() as uow:
        person = make_customer(uow, "Pia Park", email="pia@customer.example")
        other = make_customer(uow, "Ole Olsen")
        uow.commit()
    for customer_id in (person.id, other.id):
        with container.uow() as uow:
            customer = uow.session.get(Customer, customer_id)
            assert customer is not None
            add_tag(uow.session, customer, "go")
            uow.commit()
    registry = registry_with(None)
    with container.uow() as uow:
        exported = export_person(uow.session, registry, Viewer.system(), customer_id=person.id)
    [record] = exported["customers"]
    assert [e["step_id"] for e in record["workflows"]["steps"]] == ["", "t", ""]
    assert len(record["workflows"]["enrolments"]) == 1
    with container.uow() as uow:
        erase_person(uow, registry, Viewer.system(), customer_id=person.id)
        uow.commit()
    with container.uow() as uow:
        for model in (Enrolment, StepLog):
            left = select(model.customer_id, func.count()).group_by(model.customer_id)
            assert dict(uow.session.execute(left).all()) == {
                other.id: 1 if model is Enrolment else 3
            }
    container.engine.dispose()
