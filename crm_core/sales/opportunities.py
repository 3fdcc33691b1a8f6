"""Deals: create and update them, move them between stages, win or lose them.

Every operation takes the `Viewer` and enforces its scope (see `crm_core.sales.scope`).
A move records an `OpportunityStageChange`; time in stage is the gap between moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.money import to_money
from crm_core.orders.models import Product
from crm_core.sales.models import (
    ForecastCategory,
    Opportunity,
    OpportunityProduct,
    OpportunityStageChange,
    Pipeline,
    PipelineStage,
    StageOutcome,
)
from crm_core.sales.scope import DealError, DealNotFound, check_owner, check_write, may_see
from crm_core.timeline import TimelineEntry


@dataclass(frozen=True)
class DealLine:
    """A product on the deal; without a unit price, the catalogue's."""

    product_id: int
    quantity: int = 1
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class DealDraft:
    """What a rep fills in; `amount` None means the sum of the product lines."""

    name: str
    amount: Decimal | None = None
    currency: str = "EUR"
    expected_close: date | None = None
    owner_id: int | None = None
    next_step: str = ""
    forecast_category: ForecastCategory = ForecastCategory.PIPELINE
    probability: float | None = None
    customer_id: int | None = None
    organization_id: int | None = None
    lines: tuple[DealLine, ...] = field(default_factory=tuple)


def get_opportunity(session: Session, viewer: Viewer, opportunity_id: int) -> Opportunity:
    """The deal if this viewer may see it, else `DealNotFound`."""
    deal = session.get(Opportunity, opportunity_id)
    if deal is None or not may_see(viewer, deal):
        raise DealNotFound("no such opportunity")
    return deal


def create_opportunity(
    session: Session,
    viewer: Viewer,
    draft: DealDraft,
    now: datetime,
    *,
    pipeline_id: int | None = None,
    stage_id: int | None = None,
) -> Opportunity:
    """A new deal in the pipeline's first stage (or `stage_id`), owned by the viewer by default."""
    check_write(viewer)
    owner = draft.owner_id if draft.owner_id is not None else viewer.user_id
    check_owner(viewer, owner)
    pipeline = _pipeline(session, pipeline_id)
    stage = _stage_of(pipeline, stage_id) if stage_id else _first_open(pipeline)
    deal = Opportunity(pipeline_id=pipeline.id, stage_id=stage.id, owner_id=owner)
    deal.stage = stage
    deal.created_at = now
    _apply(session, deal, draft)
    _enter(deal, stage, now)
    session.add(deal)
    session.flush()
    session.add(
        OpportunityStageChange(
            opportunity_id=deal.id, from_stage_id=None, to_stage_id=stage.id,
            actor_id=viewer.user_id, at=now,
        )
    )  # fmt: skip
    session.flush()
    return deal


def update_opportunity(
    session: Session, viewer: Viewer, opportunity_id: int, draft: DealDraft
) -> Opportunity:
    """Replace the deal's fields and product lines with the draft's."""
    deal = get_opportunity(session, viewer, opportunity_id)
    check_write(viewer, deal)
    if draft.owner_id != deal.owner_id:
        check_owner(viewer, draft.owner_id)
    deal.owner_id = draft.owner_id
    _apply(session, deal, draft)
    session.flush()
    return deal


def move_opportunity(
    session: Session,
    viewer: Viewer,
    opportunity_id: int,
    stage_id: int,
    now: datetime,
    reason: str | None = None,
) -> OpportunityStageChange | None:
    """Put the deal in another stage of its pipeline; a won or lost stage closes it.

    Returns the change recorded, or None when the deal already was in that stage.
    """
    deal = get_opportunity(session, viewer, opportunity_id)
    check_write(viewer, deal)
    pipeline = session.get(Pipeline, deal.pipeline_id)
    assert pipeline is not None
    stage = _stage_of(pipeline, stage_id)
    if stage.id == deal.stage_id:
        return None
    if stage.outcome is StageOutcome.LOST and not (reason or "").strip():
        raise DealError("reason: say why the deal was lost")
    change = OpportunityStageChange(
        opportunity_id=deal.id, from_stage_id=deal.stage_id, to_stage_id=stage.id,
        actor_id=viewer.user_id, at=now,
    )  # fmt: skip
    deal.stage_id, deal.stage = stage.id, stage
    _enter(deal, stage, now, reason)
    session.add(change)
    session.flush()
    return change


def win_opportunity(
    session: Session, viewer: Viewer, opportunity_id: int, now: datetime, reason: str = ""
) -> OpportunityStageChange | None:
    """Move the deal to its pipeline's won stage."""
    deal = get_opportunity(session, viewer, opportunity_id)
    stage = _closing_stage(session, deal, StageOutcome.WON)
    return move_opportunity(session, viewer, opportunity_id, stage.id, now, reason)


def lose_opportunity(
    session: Session, viewer: Viewer, opportunity_id: int, now: datetime, reason: str
) -> OpportunityStageChange | None:
    """Move the deal to its pipeline's lost stage; the reason is required."""
    deal = get_opportunity(session, viewer, opportunity_id)
    stage = _closing_stage(session, deal, StageOutcome.LOST)
    return move_opportunity(session, viewer, opportunity_id, stage.id, now, reason)


@dataclass(frozen=True)
class StageStay:
    """A stretch the deal spent in one stage; `left` None while it is still there."""

    stage_id: int
    entered: datetime
    left: datetime | None
    seconds: float


def time_in_stage(changes: Sequence[OpportunityStageChange], now: datetime) -> list[StageStay]:
    """Each stay in a stage, from the deal's moves in time order (pure)."""
    ordered = sorted(changes, key=lambda change: _aware(change.at, now))
    stays = []
    for index, change in enumerate(ordered):
        entered = _aware(change.at, now)
        left = _aware(ordered[index + 1].at, now) if index + 1 < len(ordered) else None
        seconds = ((left or now) - entered).total_seconds()
        stays.append(StageStay(change.to_stage_id, entered, left, seconds))
    return stays


def opportunity_timeline(session: Session, customer_ids: Sequence[int]) -> Iterable[TimelineEntry]:
    """The 360 timeline's deals: opened, and won or lost."""
    deals = session.scalars(select(Opportunity).where(Opportunity.customer_id.in_(customer_ids)))
    for deal in deals:
        yield TimelineEntry(
            at=deal.created_at, kind="opportunity", title=f"Deal opened: {deal.name}",
            detail=f"{deal.amount} {deal.currency}", ref=("opportunity", deal.id),
        )  # fmt: skip
        if deal.closed_at is not None:
            yield TimelineEntry(
                at=deal.closed_at, kind="opportunity",
                title=f"Deal {deal.outcome.value}: {deal.name}",
                detail=deal.close_reason or "", ref=("opportunity", deal.id),
            )  # fmt: skip


def _apply(session: Session, deal: Opportunity, draft: DealDraft) -> None:
    name = draft.name.strip()
    if not name:
        raise DealError("name: a deal needs a name")
    if draft.probability is not None and not 0.0 <= draft.probability <= 1.0:
        raise DealError("probability: between 0 and 1")
    if len(draft.currency) != 3:
        raise DealError("currency: a three-letter code such as EUR")
    deal.name, deal.currency = name, draft.currency.upper()
    deal.expected_close, deal.next_step = draft.expected_close, draft.next_step.strip()
    deal.forecast_category, deal.probability = draft.forecast_category, draft.probability
    deal.customer_id, deal.organization_id = draft.customer_id, draft.organization_id
    deal.products = [_line(session, line) for line in draft.lines]
    lines_total = sum((to_money(p.unit_price * p.quantity) for p in deal.products), Decimal(0))
    amount = draft.amount if draft.amount is not None else lines_total
    if amount < 0:
        raise DealError("amount: cannot be negative")
    deal.amount = to_money(amount)


def _line(session: Session, line: DealLine) -> OpportunityProduct:
    product = session.get(Product, line.product_id)
    if product is None:
        raise DealError(f"product: no product #{line.product_id}")
    if line.quantity < 1:
        raise DealError("quantity: at least 1")
    price = line.unit_price if line.unit_price is not None else product.price
    return OpportunityProduct(product_id=product.id, quantity=line.quantity, unit_price=price)


def _enter(
    deal: Opportunity, stage: PipelineStage, now: datetime, reason: str | None = None
) -> None:
    deal.stage_entered_at = now
    deal.outcome = stage.outcome
    closed = stage.outcome is not StageOutcome.OPEN
    deal.closed_at = now if closed else None
    deal.close_reason = ((reason or "").strip() or None) if closed else None


def _pipeline(session: Session, pipeline_id: int | None) -> Pipeline:
    if pipeline_id is not None:
        found = session.get(Pipeline, pipeline_id)
    else:
        query = select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.id).limit(1)
        found = session.scalars(query).first()
    if found is None:
        raise DealError("pipeline: no such pipeline (create one first)")
    return found


def _stage_of(pipeline: Pipeline, stage_id: int) -> PipelineStage:
    for stage in pipeline.stages:
        if stage.id == stage_id:
            return stage
    raise DealError(f"stage: not a stage of the pipeline {pipeline.name!r}")


def _first_open(pipeline: Pipeline) -> PipelineStage:
    for stage in pipeline.stages:
        if stage.outcome is StageOutcome.OPEN:
            return stage
    raise DealError(f"stage: the pipeline {pipeline.name!r} has no open stage")


def _closing_stage(session: Session, deal: Opportunity, outcome: StageOutcome) -> PipelineStage:
    pipeline = session.get(Pipeline, deal.pipeline_id)
    assert pipeline is not None
    for stage in pipeline.stages:
        if stage.outcome is outcome:
            return stage
    raise DealError(f"stage: the pipeline {pipeline.name!r} has no {outcome.value} stage")


def _aware(moment: datetime, now: datetime) -> datetime:
    # SQLite hands timestamps back naive; they were stored in UTC like `now`.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=now.tzinfo)
