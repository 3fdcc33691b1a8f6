"""Pipeline configuration for admins: pipelines, their stages, order and probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.sales.models import (
    Opportunity,
    OpportunityStageChange,
    Pipeline,
    PipelineStage,
    StageOutcome,
)
from crm_core.sales.scope import DealError, NotAllowed


@dataclass(frozen=True)
class StageSpec:
    name: str
    probability: float
    outcome: StageOutcome = StageOutcome.OPEN


def _admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise NotAllowed("only admins configure pipelines")


def _checked_probability(probability: float) -> float:
    if not 0.0 <= probability <= 1.0:
        raise DealError("probability: between 0 and 1 (e.g. 0.25 for 25%)")
    return probability


def create_pipeline(
    session: Session,
    viewer: Viewer,
    name: str,
    stages: Sequence[StageSpec],
    *,
    is_default: bool = False,
) -> Pipeline:
    """A pipeline with these stages in this order; the first pipeline becomes the default."""
    _admin(viewer)
    name = name.strip()
    if not name:
        raise DealError("name: a pipeline needs a name")
    if session.scalars(select(Pipeline).where(Pipeline.name == name)).first() is not None:
        raise DealError(f"name: a pipeline called {name!r} exists")
    names = [spec.name.strip() for spec in stages]
    if not stages or len(set(names)) != len(names) or not all(names):
        raise DealError("stages: at least one, each with a different name")
    first = session.scalar(select(func.count()).select_from(Pipeline)) == 0
    if is_default:
        for other in session.scalars(select(Pipeline)):
            other.is_default = False
    pipeline = Pipeline(name=name, is_default=is_default or first)
    pipeline.stages = [
        PipelineStage(
            name=stage_name, position=index,
            probability=_checked_probability(spec.probability), outcome=spec.outcome,
        )
        for index, (stage_name, spec) in enumerate(zip(names, stages, strict=True))
    ]  # fmt: skip
    session.add(pipeline)
    session.flush()
    return pipeline


def _stage(session: Session, stage_id: int) -> PipelineStage:
    stage = session.get(PipelineStage, stage_id)
    if stage is None:
        raise DealError("stage: no such stage")
    return stage


def update_stage(
    session: Session, viewer: Viewer, stage_id: int, name: str, probability: float
) -> PipelineStage:
    """Rename a stage and set its default probability."""
    _admin(viewer)
    stage = _stage(session, stage_id)
    name = name.strip()
    if not name:
        raise DealError("name: a stage needs a name")
    clash = select(PipelineStage).where(
        PipelineStage.pipeline_id == stage.pipeline_id,
        PipelineStage.name == name,
        PipelineStage.id != stage.id,
    )
    if session.scalars(clash).first() is not None:
        raise DealError(f"name: the pipeline has a stage called {name!r}")
    stage.name, stage.probability = name, _checked_probability(probability)
    session.flush()
    return stage


def add_stage(session: Session, viewer: Viewer, pipeline_id: int, spec: StageSpec) -> PipelineStage:
    """A new stage at the end of the pipeline."""
    _admin(viewer)
    pipeline = session.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise DealError("pipeline: no such pipeline")
    if any(stage.name == spec.name.strip() for stage in pipeline.stages):
        raise DealError(f"name: the pipeline has a stage called {spec.name!r}")
    stage = PipelineStage(
        pipeline_id=pipeline.id, name=spec.name.strip(), position=len(pipeline.stages),
        probability=_checked_probability(spec.probability), outcome=spec.outcome,
    )  # fmt: skip
    session.add(stage)
    session.flush()
    session.expire(pipeline, ["stages"])
    return stage


def reorder_stages(
    session: Session, viewer: Viewer, pipeline_id: int, stage_ids: Sequence[int]
) -> None:
    """Put the pipeline's stages in this order; every stage must be named once."""
    _admin(viewer)
    pipeline = session.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise DealError("pipeline: no such pipeline")
    by_id = {stage.id: stage for stage in pipeline.stages}
    if sorted(stage_ids) != sorted(by_id):
        raise DealError("stages: name each stage of the pipeline exactly once")
    for position, stage_id in enumerate(stage_ids):
        by_id[stage_id].position = position
    session.flush()
    session.expire(pipeline, ["stages"])


def remove_stage(session: Session, viewer: Viewer, stage_id: int) -> None:
    """Delete a stage no deal is in and none has been in."""
    _admin(viewer)
    stage = _stage(session, stage_id)
    used = session.scalar(
        select(func.count()).select_from(Opportunity).where(Opportunity.stage_id == stage.id)
    )
    if used:
        raise DealError(f"stage: {used} deals are in {stage.name!r}; move them first")
    passed = select(OpportunityStageChange.id).where(
        (OpportunityStageChange.to_stage_id == stage.id)
        | (OpportunityStageChange.from_stage_id == stage.id)
    )
    if session.scalars(passed.limit(1)).first() is not None:
        raise DealError(f"stage: deals have passed through {stage.name!r}; it stays for history")
    session.delete(stage)
    session.flush()
