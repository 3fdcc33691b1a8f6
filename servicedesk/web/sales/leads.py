"""Lead pages: the list with filters, a lead with its score, activities and actions.

Scoping is the operations' (crm_core.sales.lead_access): a rep sees their own and their
team's leads, admins every lead, marketing and read-only users every lead without
changing any.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy.orm import Session

from crm_core.db import utcnow
from crm_core.normalise import InvalidValue
from crm_core.sales import leads as lead_ops
from crm_core.sales.capture import SOURCES, LeadInvalid, capture_lead
from crm_core.sales.conversion import convert_lead
from crm_core.sales.lead_access import LeadError, LeadNotFound, lead_for, may_change
from crm_core.sales.lead_model import load_lead_model
from crm_core.sales.models import LeadStatus
from servicedesk.current import container_of
from servicedesk.desk.reps import agent_names, sales_reps
from servicedesk.desk.roles import Role
from servicedesk.web.ids import parse_id
from servicedesk.web.sales.blueprint import sales
from servicedesk.web.sales.lead_forms import (
    ActivityForm,
    AssignForm,
    ConvertForm,
    DisqualifyForm,
    NewLeadForm,
    rep_choices,
)
from servicedesk.web.sales.lead_support import lead_context, lead_viewer


def _filter() -> lead_ops.LeadFilter:
    args = request.args
    status = args.get("status", "")
    source = args.get("source", "")
    return lead_ops.LeadFilter(
        status=status if status in {s.value for s in LeadStatus} else None,
        owner_id=parse_id(args.get("owner")),
        source=source if source in SOURCES else None,
        overdue=args.get("overdue") == "1",
        search=args.get("q", "").strip()[:100],
    )


@sales.get("/leads")
@login_required  # type: ignore[misc]
def leads() -> ResponseReturnValue:
    wanted = _filter()
    with container_of().uow() as uow:
        viewer = lead_viewer(uow.session)
        now = utcnow()
        found = lead_ops.list_leads(uow.session, viewer, wanted, now)
        return render_template(
            "sales/leads.html",
            leads=found,
            flt=wanted,
            names=agent_names(uow.session),
            reps=sales_reps(uow.session),
            statuses=list(LeadStatus),
            sources=SOURCES,
            overdue=lead_ops.overdue_count(uow.session, viewer, now),
            now=now,
        )


@sales.route("/leads/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new_lead() -> ResponseReturnValue:
    """A lead the rep met (source manual): theirs, or assigned by the rules for an admin."""
    form = NewLeadForm()
    with container_of().uow() as uow:
        viewer = lead_viewer(uow.session)
        if not (viewer.is_admin or viewer.has(Role.SALES)):
            abort(403)
        if form.validate_on_submit():
            owner = viewer.user_id if viewer.has(Role.SALES) else None
            try:
                captured = capture_lead(
                    uow.session,
                    name=form.name.data or "",
                    email=form.email.data or "",
                    company=form.company.data or "",
                    owner_id=owner,
                    source="manual",
                    details=form.details(),
                    context=lead_context(uow.session),
                )
            except LeadInvalid as invalid:
                for field, reason in invalid.errors.items():
                    getattr(form, field).errors = [reason]
            else:
                uow.commit()
                done = "Lead added." if captured.created else "Already an open lead: updated."
                flash(done, "ok")
                return redirect(url_for("sales.show_lead", lead_id=captured.lead.id))
        return render_template("sales/new_lead.html", form=form)


@sales.get("/leads/<int:lead_id>")
@login_required  # type: ignore[misc]
def show_lead(lead_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        viewer = lead_viewer(uow.session)
        try:
            lead = lead_for(uow.session, viewer, lead_id)
        except LeadNotFound:
            abort(404)
        reps = sales_reps(uow.session)
        assign = AssignForm(owner_id=lead.owner_id)
        assign.owner_id.choices = rep_choices([(r.id, r.name) for r in reps])
        model = load_lead_model(container_of().config.lead_model_dir)
        return render_template(
            "sales/lead.html",
            lead=lead,
            activities=lead_ops.lead_activities(uow.session, lead),
            names=agent_names(uow.session),
            can_change=may_change(viewer, lead),
            activity_form=ActivityForm(),
            convert_form=ConvertForm(),
            disqualify_form=DisqualifyForm(),
            assign_form=assign,
            model=model.metrics if model else None,
            now=utcnow(),
        )


def _act(lead_id: int, action: Callable[[Session], str]) -> ResponseReturnValue:
    """Run one lead operation for the signed-in agent, flash its outcome, back to the lead."""
    with container_of().uow() as uow:
        try:
            message = action(uow.session)
        except LeadNotFound:
            abort(404)
        except (LeadError, InvalidValue) as error:
            flash(str(error), "error")
        else:
            uow.commit()
            flash(message, "ok")
    return redirect(url_for("sales.show_lead", lead_id=lead_id))


def _form_errors(form: ActivityForm | ConvertForm | DisqualifyForm | AssignForm) -> str:
    return "; ".join(f"{name}: {', '.join(errors)}" for name, errors in form.errors.items())


@sales.post("/leads/<int:lead_id>/activities")
@login_required  # type: ignore[misc]
def log_lead_activity(lead_id: int) -> ResponseReturnValue:
    form = ActivityForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for("sales.show_lead", lead_id=lead_id))

    def log(session: Session) -> str:
        lead_ops.log_activity(
            session,
            lead_viewer(session),
            lead_id,
            form.kind.data,
            form.subject.data or "",
            form.body.data or "",
            lead_context(session),
        )
        return f"{form.kind.data.capitalize()} logged."

    return _act(lead_id, log)


@sales.post("/leads/<int:lead_id>/qualify")
@login_required  # type: ignore[misc]
def qualify(lead_id: int) -> ResponseReturnValue:
    # CSRFProtect checks the token of every POST before this runs.
    def run(session: Session) -> str:
        lead_ops.qualify_lead(session, lead_viewer(session), lead_id, lead_context(session))
        return "Lead qualified."

    return _act(lead_id, run)


@sales.post("/leads/<int:lead_id>/disqualify")
@login_required  # type: ignore[misc]
def disqualify(lead_id: int) -> ResponseReturnValue:
    form = DisqualifyForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for("sales.show_lead", lead_id=lead_id))

    def run(session: Session) -> str:
        lead_ops.disqualify_lead(
            session, lead_viewer(session), lead_id, form.reason.data or "", lead_context(session)
        )
        return "Lead disqualified."

    return _act(lead_id, run)


@sales.post("/leads/<int:lead_id>/convert")
@login_required  # type: ignore[misc]
def convert(lead_id: int) -> ResponseReturnValue:
    form = ConvertForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for("sales.show_lead", lead_id=lead_id))

    def run(session: Session) -> str:
        deal = convert_lead(
            session, lead_viewer(session), lead_id, form.terms(), lead_context(session)
        )
        return f"Converted: customer, organisation and opportunity #{deal.id} ({deal.name})."

    return _act(lead_id, run)


@sales.post("/leads/<int:lead_id>/assign")
@login_required  # type: ignore[misc]
def assign(lead_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        reps = [(r.id, r.name) for r in sales_reps(uow.session)]
    form = AssignForm()
    form.owner_id.choices = rep_choices(reps)
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for("sales.show_lead", lead_id=lead_id))

    def run(session: Session) -> str:
        rep_ids = [rep_id for rep_id, _ in reps]
        lead_ops.assign_lead(session, lead_viewer(session), lead_id, form.owner_id.data, rep_ids)
        return f"Assigned to {dict(reps)[form.owner_id.data]}."

    return _act(lead_id, run)
