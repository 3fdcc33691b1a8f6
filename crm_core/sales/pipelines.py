"""The default pipeline every new deal lands in unless told otherwise."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.sales.models import Pipeline, PipelineStage, StageOutcome

DEFAULT_PIPELINE_NAME = "Sales"
# name, default probability, outcome: the stages of the pipeline made when none exists.
DEFAULT_STAGES = (
    ("prospecting", 0.10, StageOutcome.OPEN),
    ("demo", 0.25, StageOutcome.OPEN),
    ("proposal", 0.50, StageOutcome.OPEN),
    ("negotiation", 0.75, StageOutcome.OPEN),
    ("won", 1.0, StageOutcome.WON),
    ("lost", 0.0, StageOutcome.LOST),
)


def default_pipeline(session: Session) -> Pipeline:
    """The pipeline marked default; without one, "Sales" with the usual six stages.

    An existing pipeline called "Sales" that nobody marked default becomes the default
    rather than a second one being made (the name is unique).
    """
    found = session.scalars(select(Pipeline).where(Pipeline.is_default.is_(True))).first()
    if found is not None:
        return found
    pipeline = session.scalars(
        select(Pipeline).where(Pipeline.name == DEFAULT_PIPELINE_NAME)
    ).one_or_none()
    if pipeline is None:
        pipeline = Pipeline(name=DEFAULT_PIPELINE_NAME)
        pipeline.stages = [
            PipelineStage(name=name, position=position, probability=probability, outcome=outcome)
            for position, (name, probability, outcome) in enumerate(DEFAULT_STAGES)
        ]
        session.add(pipeline)
    pipeline.is_default = True
    session.flush()
    return pipeline


def first_open_stage(pipeline: Pipeline) -> PipelineStage:
    """Where a new deal starts: the first stage that is neither won nor lost."""
    for stage in sorted(pipeline.stages, key=lambda s: s.position):
        if stage.outcome == StageOutcome.OPEN:
            return stage
    raise ValueError(f"pipeline {pipeline.name!r} has no open stage")
