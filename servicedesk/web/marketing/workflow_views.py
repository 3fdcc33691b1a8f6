"""Workflow pages: the list, the visual editor (create and edit), the page of one
workflow with its enrolments and step log, and starting or pausing it. Marketing and
admin users only."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.campaigns.models import SENDABLE_CHANNELS, Campaign
from crm_core.campaigns.workflows.definition import WorkflowInvalid
from crm_core.campaigns.workflows.models import Enrolment, StepLog, Workflow, WorkflowStatus
from crm_core.campaigns.workflows.operations import (
    active_enrolments,
    save_workflow,
    set_status,
    step_labels,
    workflow_figures,
)
from crm_core.customers import Customer
from crm_core.db import utcnow
from servicedesk.current import container_of
from servicedesk.desk.models import Agent
from servicedesk.desk.workflows import workflow_references
from servicedesk.web.marketing.access import marketing_viewer
from servicedesk.web.marketing.blueprint import marketing
from servicedesk.web.marketing.workflow_forms import NotJson, WorkflowForm

RECENT = 50


@marketing.get("/workflows")
@login_required  # type: ignore[misc]
def workflows() -> ResponseReturnValue:
    with container_of().uow() as uow:
        marketing_viewer(uow.session, write=True)
        rows = uow.session.scalars(select(Workflow).order_by(Workflow.name)).all()
        counts = active_enrolments(uow.session)
        return render_template("marketing/workflows.html", workflows=rows, active=counts)


@marketing.route("/workflows/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new_workflow() -> ResponseReturnValue:
    return _edit(None)


@marketing.route("/workflows/<int:workflow_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit_workflow(workflow_id: int) -> ResponseReturnValue:
    return _edit(workflow_id)


def _edit(workflow_id: int | None) -> ResponseReturnValue:
    form = WorkflowForm()
    errors: list[str] = []
    with container_of().uow() as uow:
        marketing_viewer(uow.session, write=True)
        if not form.is_submitted() and workflow_id is not None:
            form.fill(uow.session.get(Workflow, workflow_id) or abort(404))
        elif form.validate_on_submit():
            try:
                saved = save_workflow(
                    uow.session,
                    form.name.data or "",
                    form.trigger.data or "",
                    form.definition(),
                    workflow_references(uow.session),
                    utcnow(),
                    workflow_id,
                )
                uow.commit()
            except WorkflowInvalid as error:
                errors = error.errors
            except (NotJson, LookupError) as error:
                errors = [str(error)]
            else:
                flash("Workflow saved.", "ok")
                return redirect(url_for("marketing.workflow", workflow_id=saved.id))
        choices = _choices(uow.session)
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "marketing/workflow_edit.html",
        form=form,
        workflow_id=workflow_id,
        errors=errors,
        choices=choices,
    )
    return page, status


def _choices(session: Session) -> dict[str, list[dict[str, object]]]:
    """What the editor's selects offer: email campaigns to send, agents to name."""
    campaigns = session.scalars(
        select(Campaign).where(Campaign.channel.in_(SENDABLE_CHANNELS)).order_by(Campaign.name)
    )
    agents = session.scalars(select(Agent).where(Agent.is_active.is_(True)).order_by(Agent.name))
    return {
        "campaigns": [{"id": c.id, "name": c.name} for c in campaigns],
        "agents": [{"id": a.id, "name": a.name} for a in agents],
    }


@marketing.get("/workflows/<int:workflow_id>")
@login_required  # type: ignore[misc]
def workflow(workflow_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        marketing_viewer(uow.session, write=True)
        row = uow.session.get(Workflow, workflow_id) or abort(404)
        enrolments = uow.session.scalars(
            select(Enrolment)
            .where(Enrolment.workflow_id == workflow_id)
            .order_by(Enrolment.id.desc())
            .limit(RECENT)
        ).all()
        log = uow.session.scalars(
            select(StepLog)
            .where(StepLog.workflow_id == workflow_id)
            .order_by(StepLog.id.desc())
            .limit(RECENT)
        ).all()
        return render_template(
            "marketing/workflow.html",
            workflow=row,
            steps=step_labels(row),
            figures=workflow_figures(uow.session, workflow_id),
            enrolments=enrolments,
            log=log,
            names=_customer_names(uow.session, {e.customer_id for e in enrolments}),
        )


def _customer_names(session: Session, ids: set[int]) -> dict[int, str]:
    query = select(Customer.id, Customer.name).where(Customer.id.in_(ids))
    return {row.id: row.name for row in session.execute(query)}


@marketing.post("/workflows/<int:workflow_id>/status")
@login_required  # type: ignore[misc]
def workflow_status(workflow_id: int) -> ResponseReturnValue:
    """Activate or pause (a form with the CSRF token and `status`)."""
    wanted = request.form.get("status", "")
    if wanted not in {WorkflowStatus.ACTIVE.value, WorkflowStatus.PAUSED.value}:
        abort(400)
    with container_of().uow() as uow:
        marketing_viewer(uow.session, write=True)
        row = uow.session.get(Workflow, workflow_id) or abort(404)
        set_status(uow.session, row, WorkflowStatus(wanted))
        uow.commit()
    flash("Workflow active." if wanted == "active" else "Workflow paused.", "ok")
    return redirect(url_for("marketing.workflow", workflow_id=workflow_id))
