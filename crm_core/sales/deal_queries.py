"""Reading deals for the board and the list, within the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm_core.access import Viewer
from crm_core.sales.models import Opportunity, Pipeline, PipelineStage, StageOutcome
from crm_core.sales.scope import DealError, visible


@dataclass(frozen=True)
class DealFilter:
    """The list view's filters; None means any. `close_month` is "YYYY-MM"."""

    stage_id: int | None = None
    owner_id: int | None = None
    close_month: str | None = None
    outcome: StageOutcome | None = None


@dataclass
class BoardColumn:
    stage: PipelineStage
    deals: list[Opportunity] = field(default_factory=list)


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of "YYYY-MM" and of the month after; `DealError` when malformed."""
    try:
        year, number = (int(part) for part in month.split("-"))
        start = date(year, number, 1)
    except ValueError:
        raise DealError("close_month: a month such as 2026-03") from None
    after = date(year + (number == 12), number % 12 + 1, 1)
    return start, after


def list_opportunities(
    session: Session, viewer: Viewer, filters: DealFilter, limit: int = 500
) -> list[Opportunity]:
    """The deals this viewer sees that match the filters, soonest expected close first."""
    query = select(Opportunity).where(visible(viewer)).options(selectinload(Opportunity.stage))
    if filters.stage_id is not None:
        query = query.where(Opportunity.stage_id == filters.stage_id)
    if filters.owner_id is not None:
        query = query.where(Opportunity.owner_id == filters.owner_id)
    if filters.outcome is not None:
        query = query.where(Opportunity.outcome == filters.outcome)
    if filters.close_month:
        start, after = month_bounds(filters.close_month)
        query = query.where(Opportunity.expected_close >= start)
        query = query.where(Opportunity.expected_close < after)
    order = (Opportunity.expected_close.is_(None), Opportunity.expected_close, Opportunity.id)
    return list(session.scalars(query.order_by(*order).limit(limit)))


def pipelines(session: Session) -> list[Pipeline]:
    """Every pipeline, the default first."""
    return list(session.scalars(select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.id)))


def pipeline_of(session: Session, deal: Opportunity) -> Pipeline:
    found = session.get(Pipeline, deal.pipeline_id)
    if found is None:
        raise DealError("pipeline: the deal's pipeline is gone")
    return found


def board_columns(session: Session, viewer: Viewer, pipeline: Pipeline) -> list[BoardColumn]:
    """One column per stage with the deals the viewer sees in it, biggest first."""
    columns = {stage.id: BoardColumn(stage) for stage in pipeline.stages}
    query = (
        select(Opportunity)
        .where(Opportunity.pipeline_id == pipeline.id, visible(viewer))
        .order_by(Opportunity.amount.desc(), Opportunity.id)
    )
    for deal in session.scalars(query):
        if deal.stage_id in columns:
            columns[deal.stage_id].deals.append(deal)
    return list(columns.values())
