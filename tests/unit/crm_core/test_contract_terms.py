"""Contract rules without a database: status on a day, entitlement arithmetic, picking."""

from __future__ import annotations

from datetime import date

import pytest

from crm_core.contracts.models import Contract, ContractStatus
from crm_core.contracts.terms import (
    Candidate,
    Entitlement,
    covers_channel,
    hours,
    in_force,
    pick_candidate,
    status_on,
)

JAN1, DEC31 = date(2026, 1, 1), date(2026, 12, 31)


def _contract(cid: int = 1, status: ContractStatus = ContractStatus.ACTIVE, **kw) -> Contract:  # type: ignore[no-untyped-def]
    values = {"starts_on": JAN1, "ends_on": DEC31, "channels": [], **kw}
    return Contract(id=cid, number=f"C-{cid}", status=status, **values)


@pytest.mark.parametrize(
    ("status", "day", "shown", "force"),
    [
        (ContractStatus.ACTIVE, date(2026, 6, 1), ContractStatus.ACTIVE, True),
        (ContractStatus.ACTIVE, DEC31, ContractStatus.ACTIVE, True),  # last day included
        (ContractStatus.ACTIVE, date(2027, 1, 1), ContractStatus.EXPIRED, False),
        (ContractStatus.ACTIVE, date(2025, 12, 31), ContractStatus.ACTIVE, False),  # not begun
        (ContractStatus.DRAFT, date(2026, 6, 1), ContractStatus.DRAFT, False),
        (ContractStatus.CANCELLED, date(2026, 6, 1), ContractStatus.CANCELLED, False),
        (ContractStatus.CANCELLED, date(2027, 6, 1), ContractStatus.CANCELLED, False),
    ],
)
def test_expiry_is_derived_from_the_dates(
    status: ContractStatus, day: date, shown: ContractStatus, force: bool
) -> None:
    contract = _contract(status=status)
    assert status_on(contract, day) == shown
    assert in_force(contract, day) is force


def test_an_empty_channel_list_covers_every_channel() -> None:
    assert covers_channel(_contract(), "slack")
    limited = _contract(channels=["email", "portal"])
    assert covers_channel(limited, "email") and not covers_channel(limited, "webchat")


def test_entitlement_arithmetic() -> None:
    e = Entitlement(incidents_included=2, minutes_included=120)
    assert (e.incidents_left, e.minutes_left, e.exhausted) == (2, 120, False)
    e = e.with_incident().with_minutes(90)
    assert (e.incidents_left, e.minutes_left) == (1, 30)
    assert e.summary() == "1 of 2 incidents left, 0.5 of 2 hours left"
    e = e.with_incident()
    assert e.incidents_left == 0 and e.exhausted
    over = Entitlement(None, 0, 60, 0).with_minutes(75)  # overrun shows 0 left, not -15
    assert over.minutes_left == 0 and over.exhausted and over.incidents_left is None


def test_unlimited_measures_never_run_out() -> None:
    e = Entitlement(None, 500, None, 10_000)
    assert not e.exhausted and e.summary() == "unlimited"
    assert Entitlement(0).exhausted  # zero included: exhausted from the start
    assert hours(90) == "1.5" and hours(120) == "2" and hours(20) == "0.33"


def _candidate(contract: Contract, person: bool, exhausted: bool = False) -> Candidate:
    return Candidate(contract, person, Entitlement(1, 1 if exhausted else 0))


def test_the_persons_contract_beats_the_organisations() -> None:
    own = _candidate(_contract(1), person=True)
    org = _candidate(_contract(2, starts_on=date(2026, 3, 1)), person=False)
    assert pick_candidate([org, own]) is own


def test_entitlement_left_beats_an_exhausted_own_contract() -> None:
    own = _candidate(_contract(1), person=True, exhausted=True)
    org = _candidate(_contract(2), person=False)
    assert pick_candidate([own, org]) is org
    org_spent = _candidate(_contract(2), person=False, exhausted=True)
    assert pick_candidate([org_spent, own]) is own  # all exhausted: still the person's own


def test_then_the_newest_term_then_the_highest_id() -> None:
    older = _candidate(_contract(1), person=False)
    newer = _candidate(_contract(2, starts_on=date(2026, 2, 1)), person=False)
    assert pick_candidate([older, newer]) is newer
    twin = _candidate(_contract(3), person=False)
    assert pick_candidate([older, twin]) is twin
    assert pick_candidate([]) is None
