"""Forecast and what-if maths against figures computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm_core.sales.forecast import (
    DealFacts,
    GroupBy,
    WhatIf,
    forecast,
    parse_what_if,
    weight,
)
from crm_core.sales.models import ForecastCategory as Cat

DEALS = [
    DealFacts(Decimal("1000"), "demo", 0.25, date(2026, 1, 15), 1, Cat.COMMIT),
    DealFacts(Decimal("2000"), "proposal", 0.5, date(2026, 1, 31), 2, Cat.BEST_CASE),
    DealFacts(Decimal("3000"), "negotiation", 0.75, date(2026, 2, 10), 1, Cat.PIPELINE),
    DealFacts(Decimal("500"), "prospecting", 0.1, None, None, Cat.PIPELINE),
    DealFacts(Decimal("9999"), "demo", 0.25, date(2026, 1, 1), 1, Cat.OMITTED),
]


def figures(result, name):  # type: ignore[no-untyped-def]
    return {row.key: getattr(row, name) for row in result.rows}


def test_baseline_by_month_weights_amounts_and_totals_commit_and_best_case() -> None:
    result = forecast(DEALS, GroupBy.MONTH)
    assert [row.key for row in result.rows] == ["2026-01", "2026-02", "no date"]
    assert figures(result, "weighted") == {
        "2026-01": Decimal("1250.00"), "2026-02": Decimal("2250.00"), "no date": Decimal("50.00")
    }  # fmt: skip
    assert figures(result, "deals") == {"2026-01": 2, "2026-02": 1, "no date": 1}
    assert figures(result, "commit")["2026-01"] == Decimal("1000")
    assert figures(result, "best_case")["2026-01"] == Decimal("3000")  # commit + best case
    total = result.total
    assert (total.deals, total.amount, total.weighted) == (4, Decimal("6500"), Decimal("3550.00"))
    assert (total.commit, total.best_case) == (Decimal("1000"), Decimal("3000"))
    assert total.projected == total.weighted  # no what-if: the projection is the baseline


def test_what_if_overrides_a_stage_and_slips_deals_into_later_months() -> None:
    scenario = WhatIf(stage_probabilities={"proposal": 0.8}, slip_days=20)
    result = forecast(DEALS, GroupBy.MONTH, scenario)
    assert figures(result, "projected") == {
        "2026-01": Decimal("0"), "2026-02": Decimal("1850.00"),
        "2026-03": Decimal("2250.00"), "no date": Decimal("50.00"),
    }  # fmt: skip
    march = next(row for row in result.rows if row.key == "2026-03")
    assert march.weighted == 0 and march.difference == Decimal("2250.00")
    assert result.total.projected == Decimal("4150.00")
    assert result.total.difference == Decimal("600.00")


def test_scaling_win_rates_caps_probability_at_one() -> None:
    result = forecast(DEALS, GroupBy.MONTH, WhatIf(win_rate_scale=2.0))
    # 1000*0.5 + 2000*1.0 + 3000*min(1, 1.5) + 500*0.2
    assert result.total.projected == Decimal("5600.00")


def test_by_rep_and_by_team_use_the_mappings_given() -> None:
    names = {1: "Rita", 2: "Sam"}
    by_rep = forecast(DEALS, GroupBy.REP, names=names)
    assert figures(by_rep, "weighted") == {
        "Rita": Decimal("2500.00"), "Sam": Decimal("1000.00"), "unassigned": Decimal("50.00")
    }  # fmt: skip
    by_team = forecast(DEALS, GroupBy.TEAM, teams={1: "East"})
    assert figures(by_team, "weighted") == {
        "East": Decimal("2500.00"), "no team": Decimal("1050.00")
    }  # fmt: skip


def test_weight_rounds_half_up_to_cents() -> None:
    assert weight(DealFacts(Decimal("0.05"), "x", 0.5, None, None)) == Decimal("0.03")
    assert weight(DealFacts(Decimal("33.33"), "x", 0.333, None, None)) == Decimal("11.10")


def test_parse_what_if_reads_fractions_and_percentages() -> None:
    assert parse_what_if(["demo=0.4", "proposal=60%", "negotiation=80"]) == {
        "demo": 0.4, "proposal": 0.6, "negotiation": 0.8
    }  # fmt: skip
    for bad in ["demo", "demo=much", "=0.3", "demo=150%"]:
        with pytest.raises(ValueError, match="what-if"):
            parse_what_if([bad])
