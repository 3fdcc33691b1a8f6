"""Console views: parse the form, call one operation, map domain errors to messages."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from crm_core.confirmations import unconfirmed_addresses
from crm_core.db import utcnow
from servicedesk.current import container_of
from servicedesk.desk import operations, queries
from servicedesk.desk.automation.admin import macros_for
from servicedesk.desk.contracts import request_contract
from servicedesk.desk.errors import CustomersDiffer, DeskError, StaleReply
from servicedesk.desk.feedback import request_rating
from servicedesk.desk.models import (
    Agent,
    Priority,
    RequestSuggestions,
    ServiceRequest,
    Status,
    parse_reference,
)
from servicedesk.desk.revisions import revisions_of
from servicedesk.desk.sla.admin import describe_sla
from servicedesk.web.console.blueprint import console
from servicedesk.web.console.forms import (
    AssignForm,
    MergeForm,
    NoteForm,
    PropertiesForm,
    ReplyForm,
)
from servicedesk.web.contracts.forms import TimeForm
from servicedesk.web.ids import guard_rows, parse_id

FILTER_FIELDS = ("status", "priority", "channel", "category", "text")
# The inbox's "breaching within" filter (overdue requests included).
DUE_WINDOWS = {"overdue": timedelta(0), "1h": timedelta(hours=1), "4h": timedelta(hours=4)}


guard_rows(console, "request_id", ServiceRequest)


@console.get("")
@login_required  # type: ignore[misc]
def inbox() -> ResponseReturnValue:
    args = request.args
    view = args.get("view", "all") if args.get("view") in queries.VIEWS else "all"
    values = {name: (args.get(name) or "").strip() or None for name in FILTER_FIELDS}
    if values["status"] not in {None, *Status} or values["priority"] not in {None, *Priority}:
        abort(400, "status or priority: not a known value")
    due = args.get("due")
    flt = queries.InboxFilter(
        view=view,
        assignee_id=parse_id(args.get("assignee")),
        due_before=utcnow() + DUE_WINDOWS[due] if due in DUE_WINDOWS else None,
        sort="due" if args.get("sort") == "due" or due in DUE_WINDOWS else "urgency",
        **values,
    )
    with container_of().uow() as uow:
        return render_template(
            "console/inbox.html",
            requests=queries.list_requests(uow.session, flt, current_user.id),
            counts=queries.view_counts(uow.session, current_user.id),
            agents=queries.all_agents(uow.session),
            flt=flt,
            due=due if due in DUE_WINDOWS else "",
            statuses=list(Status),
            priorities=list(Priority),
        )


@console.get("/requests/<int:request_id>")
@login_required  # type: ignore[misc]
def show_request(request_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        item = queries.load_request(uow.session, request_id)
        if item is None:
            abort(404)
        properties = PropertiesForm(
            status=item.status.value,
            priority=item.priority.value,
            category=item.category or "",
            tags=", ".join(item.tags),
        )
        assign = AssignForm(
            assignee_id=str(item.assignee_id or ""), team_id=str(item.team_id or "")
        )
        agents, teams = queries.all_agents(uow.session), queries.all_teams(uow.session)
        assign.set_choices(agents, teams)
        last_id = max((m.id for m in item.messages), default=0)
        return render_template(
            "console/request.html",
            item=item,
            reply_form=ReplyForm(seen_message_id=last_id),
            note_form=NoteForm(),
            properties=properties,
            assign=assign,
            merge=MergeForm(),
            others=queries.other_requests_of_customer(uow.session, item),
            unconfirmed=unconfirmed_addresses(uow.session, item.customer_id),
            agent_names={a.id: a.name for a in agents},
            suggestions=uow.session.get(RequestSuggestions, request_id),
            rating=request_rating(uow.session, request_id),
            sla=describe_sla(uow.session, item),
            macros=macros_for(uow.session, item, uow.session.get(Agent, current_user.id)),
            request_id=request_id,
            revisions=revisions_of(uow, [m.id for m in item.messages]),
            card=request_contract(uow.session, item, utcnow().date()),
            time_form=TimeForm(),
        )


def _back(request_id: int) -> ResponseReturnValue:
    return redirect(url_for("console.show_request", request_id=request_id))


def _form_errors(form: object) -> None:
    for field, messages in getattr(form, "errors", {}).items():
        flash(f"{field}: {'; '.join(messages)}", "error")


@console.post("/requests/<int:request_id>/reply")
@login_required  # type: ignore[misc]
def reply(request_id: int) -> ResponseReturnValue:
    form = ReplyForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _back(request_id)
    with container_of().uow() as uow:
        try:
            operations.post_reply(
                uow,
                request_id,
                current_user.id,
                form.text.data,
                seen_message_id=form.seen_message_id.data,
                status_after=Status(form.status_after.data) if form.status_after.data else None,
            )
            uow.commit()
            flash("Reply sent.", "ok")
        except StaleReply as stale:
            flash(f"Not sent: {stale}. Read them, then send again.", "error")
        except DeskError as error:
            flash(str(error), "error")
    return _back(request_id)


@console.post("/requests/<int:request_id>/note")
@login_required  # type: ignore[misc]
def note(request_id: int) -> ResponseReturnValue:
    form = NoteForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _back(request_id)
    return _run(
        request_id, "Note added.", operations.add_note, request_id, current_user.id, form.text.data
    )


@console.post("/requests/<int:request_id>/properties")
@login_required  # type: ignore[misc]
def properties(request_id: int) -> ResponseReturnValue:
    form = PropertiesForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _back(request_id)
    tags = sorted({t.strip() for t in (form.tags.data or "").split(",") if t.strip()})

    def apply(uow):  # type: ignore[no-untyped-def]
        operations.update_request(
            uow,
            request_id,
            current_user.id,
            priority=Priority(form.priority.data),
            category=form.category.data or None,
            tags=tags,
        )
        operations.change_status(
            uow, request_id, Status(form.status.data), agent_id=current_user.id
        )

    return _run(request_id, "Saved.", apply)


@console.post("/requests/<int:request_id>/assign")
@login_required  # type: ignore[misc]
def assign(request_id: int) -> ResponseReturnValue:
    form = AssignForm()
    with container_of().uow() as uow:
        form.set_choices(queries.all_agents(uow.session), queries.all_teams(uow.session))
    if not form.validate_on_submit():
        _form_errors(form)
        return _back(request_id)
    return _run(
        request_id,
        "Assignment saved.",
        operations.assign_request,
        request_id,
        parse_id(form.assignee_id.data),
        team_id=parse_id(form.team_id.data),
        keep_team=False,
        agent_id=current_user.id,
    )


@console.post("/requests/<int:request_id>/merge")
@login_required  # type: ignore[misc]
def merge(request_id: int) -> ResponseReturnValue:
    form = MergeForm()
    target = parse_reference(form.target.data or "") if form.validate_on_submit() else None
    if target is None:
        flash("target: give a reference such as SR-1042", "error")
        return _back(request_id)
    confirmed = form.confirm_customers.data == "yes"
    with container_of().uow() as uow:
        try:
            operations.merge_requests(
                uow, request_id, target, agent_id=current_user.id, confirm_customers=confirmed
            )
            uow.commit()
        except CustomersDiffer as differ:
            # The confirmation step: both customers named, one more click to merge.
            confirm = MergeForm(target=form.target.data, confirm_customers="yes")
            page = render_template(
                "console/merge_confirm.html", differ=differ, form=confirm, request_id=request_id
            )
            return page, 409
        except DeskError as error:
            flash(str(error), "error")
            return _back(request_id)
    flash("Merged.", "ok")
    return _back(target)


def _run(redirect_to: int, done: str, operation, *args, **kwargs) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    """Run one operation in a unit of work; a domain error becomes a flash message."""
    with container_of().uow() as uow:
        try:
            operation(uow, *args, **kwargs)
            uow.commit()
            flash(done, "ok")
        except DeskError as error:
            flash(str(error), "error")
    return _back(redirect_to)
