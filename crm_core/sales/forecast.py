"""The sales forecast: weighted pipeline by month, rep or team, commit and best case, what-if.

The maths is pure (`forecast` over `DealFacts`); `load_deals` is the query layer. Only open
deals in one currency count. A deal's weight is amount x probability, where probability is
the deal's own override or its stage's default. Commit is the amount of commit deals; best
case adds the best-case deals to it; omitted deals count nowhere.

What-if: `stage_probabilities` replaces the probability of every deal in a stage (by stage
name), `win_rate_scale` multiplies every probability (capped at 1), `slip_days` moves every
expected close date later. The projection is compared with the baseline, group by group.

`load_deals` sums like deals in SQL (same stage, probability, category and group), so the
forecast over 100k deals reads a few hundred rows instead of 100k. Weights are rounded to
cents once per such bundle, not once per deal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, Integer, func, literal, select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.money import to_money
from crm_core.sales.models import ForecastCategory, Opportunity, PipelineStage, StageOutcome
from crm_core.sales.scope import visible
from crm_core.sql_dates import month_start

NO_DATE = "no date"
NO_OWNER = "unassigned"
NO_TEAM = "no team"
ZERO = Decimal("0.00")


class GroupBy(StrEnum):
    MONTH = "month"
    REP = "rep"
    TEAM = "team"


@dataclass(slots=True, frozen=True)
class DealFacts:
    """What the forecast needs of one open deal, or of `count` like deals summed."""

    amount: Decimal
    stage: str
    probability: float
    expected_close: date | None
    owner_id: int | None
    category: ForecastCategory = ForecastCategory.PIPELINE
    count: int = 1


@dataclass(frozen=True)
class WhatIf:
    stage_probabilities: Mapping[str, float] = field(default_factory=dict)
    win_rate_scale: float = 1.0
    slip_days: int = 0

    @property
    def is_baseline(self) -> bool:
        return not self.stage_probabilities and self.win_rate_scale == 1.0 and not self.slip_days


@dataclass
class ForecastRow:
    """One group's figures; `projected` is the weighted pipeline under the what-if."""

    key: str
    deals: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    projected: Decimal = ZERO

    @property
    def difference(self) -> Decimal:
        return self.projected - self.weighted

    def as_json(self) -> dict[str, object]:
        figures = ("amount", "weighted", "commit", "best_case", "projected", "difference")
        return {"key": self.key, "deals": self.deals} | {
            name: str(getattr(self, name)) for name in figures
        }


@dataclass
class Forecast:
    by: GroupBy
    currency: str
    rows: list[ForecastRow]
    total: ForecastRow

    def as_json(self) -> dict[str, object]:
        return {
            "by": self.by.value,
            "currency": self.currency,
            "rows": [row.as_json() for row in self.rows],
            "total": self.total.as_json(),
        }


def weight(deal: DealFacts, what_if: WhatIf | None = None) -> Decimal:
    """amount x probability (after the what-if), rounded to cents half up."""
    probability = deal.probability
    if what_if is not None:
        probability = what_if.stage_probabilities.get(deal.stage, probability)
        probability = min(1.0, max(0.0, probability * what_if.win_rate_scale))
    return to_money(deal.amount * Decimal(str(probability)))


def group_key(
    deal: DealFacts,
    by: GroupBy,
    teams: Mapping[int, str],
    names: Mapping[int, str],
    slip_days: int = 0,
) -> str:
    """The group a deal falls in: its close month (after slipping), its rep or its team."""
    if by is GroupBy.MONTH:
        if deal.expected_close is None:
            return NO_DATE
        close = (
            deal.expected_close + timedelta(days=slip_days) if slip_days else deal.expected_close
        )
        return f"{close.year:04d}-{close.month:02d}"  # strftime costs 10x this per deal
    if deal.owner_id is None:
        return NO_OWNER if by is GroupBy.REP else NO_TEAM
    if by is GroupBy.REP:
        return names.get(deal.owner_id, f"#{deal.owner_id}")
    return teams.get(deal.owner_id, NO_TEAM)


def forecast(
    deals: Iterable[DealFacts],
    by: GroupBy = GroupBy.MONTH,
    what_if: WhatIf | None = None,
    *,
    teams: Mapping[int, str] | None = None,
    names: Mapping[int, str] | None = None,
    currency: str = "EUR",
) -> Forecast:
    """The baseline figures per group and the projection under `what_if` (pure)."""
    scenario = what_if or WhatIf()
    baseline = scenario.is_baseline
    teams, names = teams or {}, names or {}
    rows: dict[str, ForecastRow] = {}
    total = ForecastRow("total")
    for deal in deals:
        if deal.category is ForecastCategory.OMITTED:
            continue
        key = group_key(deal, by, teams, names)
        row = rows.get(key) or rows.setdefault(key, ForecastRow(key))
        weighted = weight(deal)
        _add_baseline(row, deal, weighted)
        _add_baseline(total, deal, weighted)
        projected = weighted if baseline else weight(deal, scenario)
        if scenario.slip_days and by is GroupBy.MONTH:
            key = group_key(deal, by, teams, names, scenario.slip_days)
            row = rows.get(key) or rows.setdefault(key, ForecastRow(key))
        row.projected += projected
        total.projected += projected
    last = {NO_DATE, NO_OWNER, NO_TEAM}
    ordered = sorted(rows.values(), key=lambda row: (row.key in last, row.key))
    return Forecast(by, currency, ordered, total)


def _add_baseline(row: ForecastRow, deal: DealFacts, weighted: Decimal) -> None:
    row.deals += deal.count
    row.amount += deal.amount
    row.weighted += weighted
    if deal.category is ForecastCategory.COMMIT:
        row.commit += deal.amount
    if deal.category is ForecastCategory.COMMIT or deal.category is ForecastCategory.BEST_CASE:
        row.best_case += deal.amount


def parse_what_if(assignments: Iterable[str]) -> dict[str, float]:
    """STAGE=PROBABILITY pairs (0.4 or 40%) into a mapping; `ValueError` naming the bad one."""
    found: dict[str, float] = {}
    for text in assignments:
        stage, sep, value = text.partition("=")
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            number = -1.0
        if value.strip().endswith("%") or number > 1:
            number /= 100
        if not sep or not stage.strip() or not 0.0 <= number <= 1.0:
            raise ValueError(f"what-if: expected STAGE=PROBABILITY (0-1 or 0-100%), got {text!r}")
        found[stage.strip()] = number
    return found


def load_deals(
    session: Session,
    viewer: Viewer,
    currency: str = "EUR",
    *,
    by: GroupBy = GroupBy.MONTH,
    slip_days: int = 0,
) -> list[DealFacts]:
    """The open deals in `currency` that the viewer sees, summed into bundles (one query).

    A bundle keeps what the forecast `by` this grouping reads: the close month (the exact
    date when a what-if slips it, since a slip can cross a month's end) or the owner.
    """
    probability = func.coalesce(Opportunity.probability, PipelineStage.probability)
    close = None
    if by is GroupBy.MONTH:
        close = Opportunity.expected_close if slip_days else month_start(Opportunity.expected_close)
    owner = None if by is GroupBy.MONTH else Opportunity.owner_id
    keys = (PipelineStage.name, probability, Opportunity.forecast_category)
    query = (
        select(
            func.sum(Opportunity.amount),
            func.count(),
            *keys,
            close if close is not None else literal(None, Date),
            owner if owner is not None else literal(None, Integer),
        )
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
        .where(
            Opportunity.outcome == StageOutcome.OPEN,
            Opportunity.currency == currency,
            visible(viewer),
        )
        .group_by(*keys, *(column for column in (close, owner) if column is not None))
    )
    return [
        DealFacts(to_money(total), stage, float(chance), day, owner_id, kind, count)
        for total, count, stage, chance, kind, day, owner_id in session.execute(query)
    ]
