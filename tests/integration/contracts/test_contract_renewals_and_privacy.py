"""Renewal reminders sent once to the owner, and GDPR export and erasure of contract
people, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from crm_core.access import Viewer
from crm_core.contracts.models import Contract, IncidentUse, RenewalReminder
from crm_core.contracts.usage import entitlement_of
from servicedesk.container import Container
from servicedesk.contract_jobs import remind_contract_renewals
from servicedesk.desk.privacy import erase_person
from servicedesk.desk.privacy.operations import export_person, registry_with
from servicedesk.realtime import rooms
from servicedesk.realtime.notifier import RecordingNotifier
from tests.factories import make_agent
from tests.integration.contracts.helpers import (
    TODAY,
    ask,
    make_contract,
    make_organisation,
    make_person,
)

ADMIN = Viewer(user_id=1, roles=frozenset({"admin"}), name="Ada Admin")


def _notices(desk: Container) -> list[tuple[str, str]]:
    assert isinstance(desk.notifier, RecordingNotifier)
    return [(room, p["text"]) for event, p, room in desk.notifier.sent if event == "notify"]


def test_each_renewal_reminder_goes_once_to_the_owner(desk: Container) -> None:
    renewal = TODAY + timedelta(days=40)
    with desk.uow() as uow:
        rep = make_agent(uow, "Rae", roles=["sales"])
        org = make_organisation(uow)
        org.owner_id = rep.id
        make_contract(uow, "SC-R", organization_id=org.id, ends_on=renewal, remind_days=[30, 7])
        make_contract(uow, "SC-D", organization_id=org.id, ends_on=renewal, status="draft",
                      remind_days=[30])  # fmt: skip
        uow.commit()
    for offset in (0, 9):  # 40 and 31 days before: nothing due yet
        assert remind_contract_renewals(desk, (TODAY + timedelta(days=offset)).isoformat()) == 0
    on_30 = (TODAY + timedelta(days=10)).isoformat()
    assert remind_contract_renewals(desk, on_30) == 1
    assert remind_contract_renewals(desk, on_30) == 0  # the daily job ran twice: sent once
    assert remind_contract_renewals(desk, (TODAY + timedelta(days=20)).isoformat()) == 0
    assert remind_contract_renewals(desk, (TODAY + timedelta(days=33)).isoformat()) == 1
    sent = _notices(desk)
    assert [room for room, _ in sent] == [rooms.agent(rep.id)] * 2
    assert "SC-R (Acme) is up for renewal" in sent[0][1]
    with desk.uow() as uow:
        claimed = uow.session.scalars(select(RenewalReminder.days_before)).all()
    assert sorted(claimed) == [7, 30]


def test_late_contracts_get_the_nearest_reminder_only(desk: Container) -> None:
    with desk.uow() as uow:
        rep = make_agent(uow, "Rae", roles=["sales"])
        org = make_organisation(uow)
        make_contract(
            uow,
            "SC-L",
            organization_id=org.id,
            owner_id=rep.id,
            ends_on=TODAY + timedelta(days=5),
            remind_days=[60, 30, 7],
        )
        uow.commit()
    assert remind_contract_renewals(desk) == 1
    assert "in 7 days or less" in _notices(desk)[0][1]
    assert remind_contract_renewals(desk) == 0


def test_erasing_the_contact_keeps_the_organisations_contract(desk: Container) -> None:
    with desk.uow() as uow:
        org = make_organisation(uow)
        pat = make_person(uow, org, "Pat")
        solo = make_person(uow, None, "Sol")
        org_contract = make_contract(
            uow, "SC-ORG", organization_id=org.id, contact_id=pat.id, incidents_included=3
        ).id
        own = make_contract(uow, "SC-OWN", customer_id=solo.id, notes="Sol's private line").id
        uow.commit()
    ask(desk, pat, "m1")
    registry = registry_with(None)
    with desk.uow() as uow:
        exported = export_person(uow.session, registry, ADMIN, customer_id=pat.id)
    assert [c["number"] for c in exported["customers"][0]["service_contracts"]] == ["SC-ORG"]
    for person in (pat.id, solo.id):
        with desk.uow() as uow:
            erase_person(uow, registry, ADMIN, customer_id=person)
            uow.commit()
    with desk.uow() as uow:
        kept = uow.session.get_one(Contract, org_contract)
        assert (kept.number, kept.organization_id, kept.contact_id) == ("SC-ORG", org.id, None)
        assert entitlement_of(uow.session, kept).incidents_left == 2  # usage survives
        assert uow.session.scalar(select(func.count(IncidentUse.id))) == 1
        personal = uow.session.get_one(Contract, own)
        assert (personal.customer_id, personal.notes) == (solo.id, "")
