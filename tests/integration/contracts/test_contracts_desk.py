"""Contracts through the desk on SQLite and PostgreSQL: the SLA tier, expiry, entitlement
consumption (once per request), channels, the router's view, time and the picking rule."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from crm_core.contracts.models import IncidentUse, Standing
from crm_core.contracts.usage import entitlement_of
from servicedesk.container import Container
from servicedesk.desk.contracts import EXHAUSTED_TAG, cover_new_request, log_request_time
from servicedesk.desk.models import Priority, ServiceRequest
from servicedesk.desk.routing.models import RoutingRuleRow
from servicedesk.desk.routing.router import Router
from servicedesk.desk.sla.admin import load_setup_file
from tests.factories import make_agent
from tests.integration.contracts.helpers import (
    GOLD_SLA,
    ask,
    day,
    make_contract,
    make_organisation,
    make_person,
)


@pytest.fixture(autouse=True)
def _gold_sla(desk: Container) -> None:
    with desk.uow() as uow:
        load_setup_file(uow.session, GOLD_SLA)
        uow.commit()


def _people(desk: Container, **contract):  # type: ignore[no-untyped-def]
    with desk.uow() as uow:
        org = make_organisation(uow)
        pat = make_person(uow, org, "Pat")
        contract_id = make_contract(uow, organization_id=org.id, **contract).id
        uow.commit()
    return pat, contract_id


@dataclass(frozen=True)
class Seen:
    sla_policy: str | None
    tags: list[str]
    priority: Priority


def _request(desk: Container, request_id: int) -> Seen:
    with desk.uow() as uow:
        row = uow.session.get_one(ServiceRequest, request_id)
        return Seen(row.sla_policy, list(row.tags), row.priority)


def _incidents(desk: Container, contract_id: int) -> list[tuple[int, Standing]]:
    """(request id, standing) of the contract's incident rows."""
    with desk.uow() as uow:
        query = select(IncidentUse).where(IncidentUse.contract_id == contract_id)
        return [
            (i.request_id, i.standing) for i in uow.session.scalars(query.order_by(IncidentUse.id))
        ]


def test_the_sla_engine_picks_the_tier_policy_of_the_organisations_contract(
    desk: Container,
) -> None:
    pat, contract_id = _people(desk, incidents_included=5)
    with desk.uow() as uow:
        loner = make_person(uow, None, "Lou")
        uow.commit()
    assert _request(desk, ask(desk, pat, "m1")).sla_policy == "gold"
    assert _request(desk, ask(desk, loner, "m2")).sla_policy == "standard"
    with desk.uow() as uow:
        from crm_core.contracts.models import Contract

        left = entitlement_of(uow.session, uow.session.get_one(Contract, contract_id))
    assert (left.incidents_used, left.incidents_left) == (1, 4)


def test_an_expired_or_draft_contract_falls_back_to_the_default_sla(desk: Container) -> None:
    pat, _ = _people(desk, starts_on=day(-400), ends_on=day(-1))
    first = _request(desk, ask(desk, pat, "m1"))
    assert first.sla_policy == "standard"
    with desk.uow() as uow:
        org = make_organisation(uow, "Drafty")
        dee = make_person(uow, org, "Dee")
        make_contract(uow, "C-2", organization_id=org.id, status="draft")
        uow.commit()
    assert _request(desk, ask(desk, dee, "m2")).sla_policy == "standard"


def test_a_request_falls_back_when_its_contract_expires_while_open(desk: Container) -> None:
    from servicedesk.desk.sla.service import refresh_request_sla

    pat, _ = _people(desk, ends_on=day(0))
    request_id = ask(desk, pat, "m1")
    assert _request(desk, request_id).sla_policy == "gold"
    with desk.uow() as uow:
        request = uow.session.get_one(ServiceRequest, request_id)
        from datetime import UTC, datetime, time

        refresh_request_sla(uow.session, request, datetime.combine(day(1), time(9), UTC))
        assert request.sla_policy == "standard"


def test_incidents_are_counted_once_even_when_routing_runs_twice(desk: Container) -> None:
    pat, contract_id = _people(desk, incidents_included=3)
    with desk.uow() as uow:
        uow.session.add(
            RoutingRuleRow(
                name="contract gold",
                definition={
                    "conditions": [{"fact": "contract.sla_tier", "op": "equals", "value": "gold"}],
                    "priority": "urgent",
                },
            )
        )
        uow.commit()
    desk.router = Router(classifier=None)
    request_id = ask(desk, pat, "m1")
    assert _request(desk, request_id).priority == Priority.URGENT  # the router saw the tier
    with desk.uow() as uow:
        request = uow.session.get_one(ServiceRequest, request_id)
        from crm_core.db import utcnow

        for _ in range(2):
            desk.router.route(uow.session, request, "again")
            cover_new_request(uow.session, request, utcnow())
        uow.commit()
    assert ask(desk, pat, "m1") == request_id  # the same message again: a duplicate
    assert _incidents(desk, contract_id) == [(request_id, Standing.COVERED)]


def test_an_exhausted_entitlement_opens_the_request_flagged_on_the_default_sla(
    desk: Container,
) -> None:
    pat, contract_id = _people(desk, incidents_included=1)
    first, second = ask(desk, pat, "m1"), ask(desk, pat, "m2")
    assert _request(desk, first).sla_policy == "gold"
    flagged = _request(desk, second)
    assert flagged.sla_policy == "standard" and EXHAUSTED_TAG in flagged.tags
    assert _incidents(desk, contract_id) == [
        (first, Standing.COVERED),
        (second, Standing.EXHAUSTED),
    ]


def test_channels_not_covered_neither_consume_nor_qualify(desk: Container) -> None:
    pat, contract_id = _people(desk, incidents_included=2, channels=["email"])
    request_id = ask(desk, pat, "p1", channel="portal")
    assert _request(desk, request_id).sla_policy == "standard"
    assert _incidents(desk, contract_id) == []


def test_logged_time_counts_against_the_hours(desk: Container) -> None:
    pat, contract_id = _people(desk, minutes_included=120)
    covered = ask(desk, pat, "m1")
    with desk.uow() as uow:
        agent = make_agent(uow, "Tim")
        loner = make_person(uow, None, "Lou")
        uow.commit()
    outside = ask(desk, loner, "m2")
    with desk.uow() as uow:
        log_request_time(uow.session, covered, agent, 90, "reset the fuser")
        with pytest.raises(ValueError, match="minutes"):
            log_request_time(uow.session, covered, agent, 0)
        with pytest.raises(ValueError, match="request: no contract"):
            log_request_time(uow.session, outside, agent, 10)
        uow.commit()
    with desk.uow() as uow:
        from crm_core.contracts.models import Contract

        left = entitlement_of(uow.session, uow.session.get_one(Contract, contract_id))
        events = [(e.kind, e.data) for e in uow.session.get_one(ServiceRequest, covered).events]
    assert left.minutes_left == 30 and left.summary() == "0.5 of 2 hours left"
    assert ("time_logged", {"minutes": 90}) in events
    with desk.uow() as uow:
        log_request_time(uow.session, covered, agent, 45)
        uow.commit()
    assert EXHAUSTED_TAG in _request(desk, ask(desk, pat, "m3")).tags  # hours used up


def test_the_persons_own_contract_wins_over_the_organisations(desk: Container) -> None:
    pat, org_contract = _people(desk)
    with desk.uow() as uow:
        own = make_contract(uow, "C-OWN", customer_id=pat.id, sla_tier="silver").id
        uow.commit()
    ask(desk, pat, "m1")
    assert len(_incidents(desk, own)) == 1 and _incidents(desk, org_contract) == []
    with desk.uow() as uow:
        count = uow.session.scalar(select(func.count(IncidentUse.id)))
    assert count == 1
