"""Sales reports: the funnel from stage history, and each rep's performance.

Both aggregate in SQL and finish in Python, so they stay fast over many deals and read the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.sales.models import (
    Activity,
    Opportunity,
    OpportunityStageChange,
    Pipeline,
    PipelineStage,
    StageOutcome,
)
from crm_core.sales.scope import owner_ids, sees_everything, visible

ZERO = Decimal("0.00")


@dataclass
class FunnelStep:
    """A stage of the funnel: the deals that reached it (or a later stage) and their amount.

    `conversion` is the share of this step's deals that reached the next step, `drop_off`
    how many did not; `current` counts the deals in the stage now.
    """

    stage: str
    reached: int
    amount: Decimal
    current: int
    conversion: float | None = None
    drop_off: int = 0

    def as_row(self) -> list[object]:
        rate = "" if self.conversion is None else f"{self.conversion:.3f}"
        return [self.stage, self.reached, self.amount, self.current, rate, self.drop_off]


FUNNEL_HEADERS = ["stage", "reached", "amount", "in stage now", "conversion to next", "drop-off"]


def funnel(session: Session, viewer: Viewer, pipeline: Pipeline) -> list[FunnelStep]:
    """Counts and amounts per stage (lost left out), conversion and drop-off between stages.

    A deal reached a stage when its history shows it in that stage or any later one: deals
    that skip a stage still passed it.
    """
    steps = [stage for stage in pipeline.stages if stage.outcome is not StageOutcome.LOST]
    position = func.max(PipelineStage.position).label("furthest")
    furthest = (
        select(OpportunityStageChange.opportunity_id, position)
        .join(PipelineStage, PipelineStage.id == OpportunityStageChange.to_stage_id)
        .where(PipelineStage.outcome != StageOutcome.LOST)
        .group_by(OpportunityStageChange.opportunity_id)
        .subquery()
    )
    query = (
        select(furthest.c.furthest, func.count(), func.coalesce(func.sum(Opportunity.amount), 0))
        .join(Opportunity, Opportunity.id == furthest.c.opportunity_id)
        .where(Opportunity.pipeline_id == pipeline.id, visible(viewer))
        .group_by(furthest.c.furthest)
    )
    by_position = {pos: (count, Decimal(total)) for pos, count, total in session.execute(query)}
    now_in = dict(
        session.execute(
            select(Opportunity.stage_id, func.count())
            .where(Opportunity.pipeline_id == pipeline.id, visible(viewer))
            .group_by(Opportunity.stage_id)
        ).all()
    )
    return _steps(steps, by_position, now_in)


def _steps(
    stages: list[PipelineStage],
    by_position: Mapping[int, tuple[int, Decimal]],
    now_in: Mapping[int, int],
) -> list[FunnelStep]:
    result = []
    for stage in stages:
        later = [value for pos, value in by_position.items() if pos >= stage.position]
        reached = sum(count for count, _ in later)
        amount = sum((total for _, total in later), ZERO)
        result.append(FunnelStep(stage.name, reached, amount, now_in.get(stage.id, 0)))
    for step, following in pairwise(result):
        step.conversion = following.reached / step.reached if step.reached else None
        step.drop_off = step.reached - following.reached
    return result


@dataclass
class RepRow:
    owner_id: int | None
    name: str
    won: int = 0
    lost: int = 0
    open: int = 0
    won_revenue: Decimal = ZERO
    cycle_days_total: float = 0.0
    activities: int = 0

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None

    @property
    def average_deal(self) -> Decimal | None:
        return (self.won_revenue / self.won).quantize(Decimal("0.01")) if self.won else None

    @property
    def cycle_days(self) -> float | None:
        """Average days from creation to win."""
        return self.cycle_days_total / self.won if self.won else None

    def as_row(self) -> list[object]:
        rate = "" if self.win_rate is None else f"{self.win_rate:.3f}"
        cycle = "" if self.cycle_days is None else f"{self.cycle_days:.1f}"
        return [self.name, self.won_revenue, self.won, self.lost, self.open, rate,
                self.average_deal or "", cycle, self.activities]  # fmt: skip


REP_HEADERS = ["rep", "won revenue", "won", "lost", "open", "win rate", "average deal",
               "cycle days", "activities"]  # fmt: skip


def rep_performance(
    session: Session, viewer: Viewer, names: Mapping[int, str], currency: str = "EUR"
) -> list[RepRow]:
    """Per owner: won revenue, win rate, average won deal, cycle length, activities logged."""
    rows: dict[int | None, RepRow] = {}

    def row(owner: int | None) -> RepRow:
        label = names.get(owner, f"#{owner}") if owner is not None else "unassigned"
        return rows.setdefault(owner, RepRow(owner, label))

    query = select(
        Opportunity.owner_id, Opportunity.outcome, Opportunity.amount,
        Opportunity.created_at, Opportunity.closed_at,
    ).where(visible(viewer), Opportunity.currency == currency)  # fmt: skip
    for owner, outcome, amount, created, closed in session.execute(query):
        target = row(owner)
        if outcome is StageOutcome.WON:
            target.won += 1
            target.won_revenue += Decimal(amount)
            target.cycle_days_total += _days(created, closed)
        elif outcome is StageOutcome.LOST:
            target.lost += 1
        else:
            target.open += 1
    counted = select(Activity.actor_id, func.count()).where(Activity.actor_id.is_not(None))
    if not sees_everything(viewer):
        counted = counted.where(Activity.actor_id.in_(owner_ids(viewer)))
    for actor, count in session.execute(counted.group_by(Activity.actor_id)):
        row(actor).activities = count
    return sorted(rows.values(), key=lambda r: (-r.won_revenue, r.name))


def _days(start: datetime, end: datetime | None) -> float:
    if end is None:
        return 0.0
    start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)  # both stored in UTC
    return max(0.0, (end - start).total_seconds() / 86400)
