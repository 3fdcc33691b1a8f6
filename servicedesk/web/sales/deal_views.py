"""Deal pages: the board (drag and drop, live), the filtered list, a deal with its history."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from crm_core.db import utcnow
from crm_core.orders.catalogue import list_products
from crm_core.sales import deal_queries
from crm_core.sales.models import Opportunity, StageOutcome
from crm_core.sales.opportunities import (
    create_opportunity,
    get_opportunity,
    move_opportunity,
    time_in_stage,
    update_opportunity,
)
from crm_core.sales.scope import DealError
from servicedesk.current import container_of
from servicedesk.desk.sales_facts import agent_names
from servicedesk.realtime import rooms
from servicedesk.web.ids import parse_id
from servicedesk.web.sales.blueprint import sales
from servicedesk.web.sales.deal_access import current_viewer, error_status
from servicedesk.web.sales.deal_forms import DealForm

BOARD_EVENT = "sales.board"


@sales.get("/board")
@login_required  # type: ignore[misc]
def board() -> ResponseReturnValue:
    with container_of().uow() as uow:
        viewer = current_viewer(uow.session)
        pipelines = deal_queries.pipelines(uow.session)
        chosen = parse_id(request.args.get("pipeline"))
        pipeline = next(
            (p for p in pipelines if p.id == chosen), pipelines[0] if pipelines else None
        )
        columns = deal_queries.board_columns(uow.session, viewer, pipeline) if pipeline else []
        return render_template(
            "sales/board.html", pipelines=pipelines, pipeline=pipeline, columns=columns,
            names=agent_names(uow.session), may_write=viewer.may_write,
        )  # fmt: skip


@sales.get("/opportunities")
@login_required  # type: ignore[misc]
def opportunities() -> ResponseReturnValue:
    args = request.args
    outcome = args.get("outcome", "")
    filters = deal_queries.DealFilter(
        stage_id=parse_id(args.get("stage")), owner_id=parse_id(args.get("owner")),
        close_month=args.get("close_month") or None,
        outcome=StageOutcome(outcome) if outcome in set(StageOutcome) else None,
    )  # fmt: skip
    with container_of().uow() as uow:
        viewer = current_viewer(uow.session)
        try:
            deals = deal_queries.list_opportunities(uow.session, viewer, filters)
        except DealError as error:
            flash(str(error), "error")
            deals = []
        stages = [s for p in deal_queries.pipelines(uow.session) for s in p.stages]
        return render_template(
            "sales/opportunities.html", deals=deals, stages=stages, filters=filters,
            names=agent_names(uow.session), outcomes=list(StageOutcome),
        )  # fmt: skip


@sales.get("/opportunities/<int:opportunity_id>")
@login_required  # type: ignore[misc]
def opportunity(opportunity_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        viewer = current_viewer(uow.session)
        try:
            deal = get_opportunity(uow.session, viewer, opportunity_id)
        except DealError:
            abort(404)
        stages = {stage.id: stage for stage in deal_queries.pipeline_of(uow.session, deal).stages}
        return render_template(
            "sales/opportunity.html", deal=deal, stages=stages,
            stays=time_in_stage(deal.history, utcnow()), names=agent_names(uow.session),
            may_write=viewer.may_write, products={p.id: p for p in list_products(uow.session)},
        )  # fmt: skip


@sales.route("/opportunities/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new_opportunity() -> ResponseReturnValue:
    return _edit(None)


@sales.route("/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit_opportunity(opportunity_id: int) -> ResponseReturnValue:
    return _edit(opportunity_id)


def _edit(opportunity_id: int | None) -> ResponseReturnValue:
    form = DealForm()
    with container_of().uow() as uow:
        viewer = current_viewer(uow.session)
        if not form.is_submitted() and opportunity_id is not None:
            deal = _deal_or_404(uow.session, viewer, opportunity_id)
            form = _form_of(deal, {p.id: p.sku for p in list_products(uow.session)})
        elif not form.is_submitted():
            form.owner_id.data = current_user.id  # a new deal is the rep's own
        form.offer_owners(agent_names(uow.session))
        if form.validate_on_submit():
            draft = form.to_draft({p.sku: p.id for p in list_products(uow.session)})
            try:
                if opportunity_id is None:
                    deal = create_opportunity(uow.session, viewer, draft, utcnow())
                else:
                    deal = update_opportunity(uow.session, viewer, opportunity_id, draft)
                uow.commit()
            except DealError as error:
                form.form_errors.append(str(error))
                return render_template("sales/opportunity_edit.html", form=form), error_status(
                    error
                )
            flash("Deal saved.", "ok")
            return redirect(url_for("sales.opportunity", opportunity_id=deal.id))
        status = 400 if form.is_submitted() else 200
        return render_template("sales/opportunity_edit.html", form=form), status


@sales.post("/opportunities/<int:opportunity_id>/move")
@login_required  # type: ignore[misc]
def move(opportunity_id: int) -> ResponseReturnValue:
    """Move a deal (the board's drop, or a form); answers JSON to the board's fetch."""
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    stage_id = parse_id(request.form.get("stage_id"))
    container = container_of()
    with container.uow() as uow:
        viewer = current_viewer(uow.session)
        try:
            if stage_id is None:
                raise DealError("stage_id: the stage to move the deal to")
            change = move_opportunity(
                uow.session, viewer, opportunity_id, stage_id, utcnow(), request.form.get("reason")
            )
            uow.commit()
        except DealError as error:
            if wants_json:
                return jsonify(error=str(error)), error_status(error)
            flash(str(error), "error")
            return redirect(url_for("sales.opportunity", opportunity_id=opportunity_id))
    if change is not None:
        payload = {"opportunity_id": opportunity_id, "stage_id": stage_id, "by": current_user.id}
        container.notifier.emit(BOARD_EVENT, payload, rooms.sales_board())
    if wants_json:
        return jsonify(ok=True, stage_id=stage_id)
    return redirect(url_for("sales.opportunity", opportunity_id=opportunity_id))


def _deal_or_404(session, viewer, opportunity_id: int) -> Opportunity:  # type: ignore[no-untyped-def]
    try:
        return get_opportunity(session, viewer, opportunity_id)
    except DealError:
        abort(404)


def _form_of(deal: Opportunity, skus: dict[int, str]) -> DealForm:
    products = "\n".join(
        f"{skus.get(line.product_id, '?')} {line.quantity}" for line in deal.products
    )
    return DealForm(
        name=deal.name, amount=deal.amount, currency=deal.currency,
        expected_close=deal.expected_close, owner_id=deal.owner_id, next_step=deal.next_step,
        forecast_category=deal.forecast_category.value, probability=deal.probability,
        customer_id=deal.customer_id, products=products,
    )  # fmt: skip
