"""Pipeline configuration for admins: create pipelines, rename stages, probabilities, order."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from crm_core.sales import deal_queries, pipeline_admin
from crm_core.sales.models import StageOutcome
from crm_core.sales.scope import DealError
from servicedesk.current import container_of
from servicedesk.web.sales.blueprint import sales
from servicedesk.web.sales.deal_access import current_viewer


def _admin_only() -> None:
    if not current_user.has_role("admin"):
        abort(403)


def _probability(text: str | None) -> float:
    """0.25 or 25 (%) as a fraction; DealError naming the field."""
    try:
        value = float((text or "").strip().rstrip("%"))
    except ValueError:
        raise DealError("probability: a number such as 0.25 or 25%") from None
    return value / 100 if value > 1 else value


def _run(change) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    _admin_only()
    with container_of().uow() as uow:
        try:
            change(uow.session, current_viewer(uow.session))
            uow.commit()
            flash("Pipeline saved.", "ok")
        except DealError as error:
            flash(str(error), "error")
    return redirect(url_for("sales.pipelines"))


@sales.get("/pipelines")
@login_required  # type: ignore[misc]
def pipelines() -> ResponseReturnValue:
    _admin_only()
    with container_of().uow() as uow:
        found = deal_queries.pipelines(uow.session)
        return render_template("sales/pipelines.html", pipelines=found, outcomes=list(StageOutcome))


@sales.post("/pipelines")
@login_required  # type: ignore[misc]
def create_pipeline() -> ResponseReturnValue:
    """A pipeline from "name probability [won|lost]" lines."""
    form = request.form

    def change(session, viewer) -> None:  # type: ignore[no-untyped-def]
        specs = []
        for line in form.get("stages", "").splitlines():
            parts = line.split()
            if not parts:
                continue
            outcome = (
                StageOutcome(parts[2])
                if len(parts) > 2 and parts[2] in set(StageOutcome)
                else StageOutcome.OPEN
            )
            specs.append(
                pipeline_admin.StageSpec(
                    parts[0], _probability(parts[1] if len(parts) > 1 else "0"), outcome
                )
            )
        pipeline_admin.create_pipeline(session, viewer, form.get("name", ""), specs)

    return _run(change)


@sales.post("/stages/<int:stage_id>")
@login_required  # type: ignore[misc]
def update_stage(stage_id: int) -> ResponseReturnValue:
    name, probability = request.form.get("name", ""), request.form.get("probability")
    return _run(
        lambda s, v: pipeline_admin.update_stage(s, v, stage_id, name, _probability(probability))
    )


@sales.post("/pipelines/<int:pipeline_id>/stages")
@login_required  # type: ignore[misc]
def add_stage(pipeline_id: int) -> ResponseReturnValue:
    form = request.form
    outcome = form.get("outcome", "open")

    def change(session, viewer) -> None:  # type: ignore[no-untyped-def]
        if outcome not in set(StageOutcome):
            raise DealError("outcome: open, won or lost")
        spec = pipeline_admin.StageSpec(
            form.get("name", ""), _probability(form.get("probability")), StageOutcome(outcome)
        )
        pipeline_admin.add_stage(session, viewer, pipeline_id, spec)

    return _run(change)


@sales.post("/pipelines/<int:pipeline_id>/stages/<int:stage_id>/<direction>")
@login_required  # type: ignore[misc]
def move_stage(pipeline_id: int, stage_id: int, direction: str) -> ResponseReturnValue:
    if direction not in {"left", "right"}:
        abort(404)

    def change(session, viewer) -> None:  # type: ignore[no-untyped-def]
        pipeline = next((p for p in deal_queries.pipelines(session) if p.id == pipeline_id), None)
        if pipeline is None:
            raise DealError("pipeline: no such pipeline")
        order = [stage.id for stage in pipeline.stages]
        if stage_id not in order:
            raise DealError("stage: not a stage of this pipeline")
        at = order.index(stage_id)
        to = max(0, min(len(order) - 1, at + (-1 if direction == "left" else 1)))
        order[at], order[to] = order[to], order[at]
        pipeline_admin.reorder_stages(session, viewer, pipeline_id, order)

    return _run(change)
