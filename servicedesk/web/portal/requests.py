"""A signed-in customer's requests: list, conversation, reply, solve, reopen, new request.

Every route finds the request through `find_visible_request`, so another customer's
request (or a file on it) is a 404, never a hint that it exists.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from channels.base import Ignored, Rejected
from channels.messages import AttachmentData, InboundMessage
from channels.portal.adapter import AccountPost
from crm_core.customers import Customer
from crm_core.db import UnitOfWork
from crm_core.sales.behaviour import note_behaviour
from crm_core.sales.models import ActivityKind
from knowledge.help_centre import category_names
from servicedesk.current import container_of
from servicedesk.desk.customer_accounts import (
    PortalUser,
    find_visible_request,
    mark_solved_by_customer,
    public_messages,
    reopen_by_customer,
    visible_requests,
)
from servicedesk.desk.errors import InvalidChange, NotFound
from servicedesk.desk.feedback import request_rating
from servicedesk.desk.models import (
    OPEN_STATUSES,
    Attachment,
    Direction,
    Message,
    ServiceRequest,
    Status,
)
from servicedesk.desk.operations import update_request
from servicedesk.extensions import limiter
from servicedesk.web.portal.blueprint import portal
from servicedesk.web.portal.session import customer_required, signed_in_user
from servicedesk.web.widget.uploads import UploadRefused, checked_upload

PAGE_SIZE = 20
DAY = timedelta(days=1)
MAX_FILES = 5
FILTERS = {
    "open": ServiceRequest.status.in_(OPEN_STATUSES),
    "solved": ServiceRequest.status.in_((Status.SOLVED, Status.CLOSED)),
}


class ReplyForm(FlaskForm):  # type: ignore[misc]
    message = TextAreaField("Your reply", validators=[DataRequired(), Length(max=20_000)])
    token = HiddenField()


class NewRequestForm(FlaskForm):  # type: ignore[misc]
    subject = StringField("Subject", validators=[DataRequired(), Length(max=200)])
    category = SelectField("Category", choices=[], default="")
    message = TextAreaField(
        "Describe your question", validators=[DataRequired(), Length(max=20_000)]
    )
    token = HiddenField()


@portal.get("/requests")
@customer_required
def my_requests() -> ResponseReturnValue:
    user = signed_in_user()
    shown = request.args.get("status", "all")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    query = visible_requests(user).order_by(ServiceRequest.updated_at.desc())
    if shown in FILTERS:
        query = query.where(FILTERS[shown])
    with container_of().uow() as uow:
        _note_visit(uow, user)
        rows = list(uow.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
        return render_template(
            "portal/requests.html",
            requests=rows[:PAGE_SIZE],
            more=len(rows) > PAGE_SIZE,
            page=page,
            shown=shown,
            manager=user.manages_organisation,
        )


@portal.get("/requests/<int:request_id>")
@customer_required
def request_page(request_id: int) -> ResponseReturnValue:
    user = signed_in_user()
    with container_of().uow() as uow:
        found = _visible(uow.session, user, request_id)
        form = ReplyForm(token=secrets.token_urlsafe(24))
        return render_template(
            "portal/request.html",
            sr=found,
            messages=public_messages(found),
            form=form,
            rating=request_rating(uow.session, found.id),
            rating_scale=container_of().config.rating_scale,
            can_reopen=_may_reopen(found),
        )


@portal.get("/requests/<int:request_id>/conversation")
@customer_required
def conversation(request_id: int) -> ResponseReturnValue:
    """The conversation alone, for the page's live refresh."""
    user = signed_in_user()
    with container_of().uow() as uow:
        found = _visible(uow.session, user, request_id)
        return render_template(
            "portal/_conversation.html", sr=found, messages=public_messages(found)
        )


@portal.post("/requests/<int:request_id>/reply")
@customer_required
@limiter.limit("30 per minute")
def reply(request_id: int) -> ResponseReturnValue:
    user = signed_in_user()
    form = ReplyForm()
    with container_of().uow() as uow:
        found = _visible(uow.session, user, request_id)
        subject = found.subject
    if not form.validate_on_submit():
        flash(_first_error(form), "error")
        return redirect(url_for("portal.request_page", request_id=request_id))
    post = AccountPost(form.token.data or "", "", "", subject, form.message.data, request_id)
    error = _submit(user, post)
    flash(error or "Your reply was sent.", "error" if error else "ok")
    return redirect(url_for("portal.request_page", request_id=request_id))


@portal.route("/requests/new", methods=["GET", "POST"])
@customer_required
@limiter.limit("20 per hour", methods=["POST"])
def new_request() -> ResponseReturnValue:
    user = signed_in_user()
    form = NewRequestForm()
    with container_of().uow() as uow:
        form.category.choices = [("", "Not sure"), *((c, c) for c in category_names(uow.session))]
    if request.method == "GET":
        form.token.data = secrets.token_urlsafe(24)
        form.subject.data = request.args.get("q", "")[:200]
        return render_template("portal/new_request.html", form=form)
    if not form.validate_on_submit():
        return render_template("portal/new_request.html", form=form), 400
    post = AccountPost(form.token.data or "", "", "", form.subject.data, form.message.data)
    error = _submit(user, post, category=form.category.data or None)
    if error:
        return render_template("portal/new_request.html", form=form, error=error), 400
    flash("We have your request; we will answer here and by email.", "ok")
    return redirect(url_for("portal.my_requests"))


@portal.post("/requests/<int:request_id>/solve")
@customer_required
def solve(request_id: int) -> ResponseReturnValue:
    return _change(request_id, lambda uow, user: mark_solved_by_customer(uow, user, request_id))


@portal.post("/requests/<int:request_id>/reopen")
@customer_required
def reopen(request_id: int) -> ResponseReturnValue:
    window = timedelta(days=container_of().config.portal_reopen_days)
    return _change(request_id, lambda uow, user: reopen_by_customer(uow, user, request_id, window))


@portal.get("/requests/<int:request_id>/attachments/<int:attachment_id>")
@customer_required
def attachment(request_id: int, attachment_id: int) -> ResponseReturnValue:
    user = signed_in_user()
    container = container_of()
    with container.uow() as uow:
        _visible(uow.session, user, request_id)
        found = uow.session.scalars(
            select(Attachment)
            .join(Message, Attachment.message_id == Message.id)
            .where(Attachment.id == attachment_id, Message.request_id == request_id)
            .where(Message.direction != Direction.NOTE)
        ).first()
        if found is None:
            abort(404)
        path = container.attachments.path_for(found.sha256)
        name, kind = found.filename, found.content_type
    # Served as a download, never rendered inline by the browser.
    return send_file(path, mimetype=kind, as_attachment=True, download_name=name)


def _note_visit(uow: UnitOfWork, user: PortalUser) -> None:
    """A customer who is also an open lead visiting the help centre: a behaviour the lead
    score counts (once a day)."""
    customer = uow.session.get(Customer, user.customer_id)
    if customer is not None and customer.email:
        visit = ActivityKind.PORTAL_VISIT
        if note_behaviour(uow.session, customer.email, visit, "help centre", once_within=DAY):
            uow.commit()


def _visible(session: Session, user: PortalUser, request_id: int) -> ServiceRequest:
    try:
        return find_visible_request(session, user, request_id)
    except NotFound:
        abort(404)


def _change(
    request_id: int, change: Callable[[UnitOfWork, PortalUser], None]
) -> ResponseReturnValue:
    user = signed_in_user()
    with container_of().uow() as uow:
        try:
            change(uow, user)
        except NotFound:
            abort(404)
        except InvalidChange as error:
            flash(str(error), "error")
            return redirect(url_for("portal.request_page", request_id=request_id))
        uow.commit()
    return redirect(url_for("portal.request_page", request_id=request_id))


def _submit(user: PortalUser, post: AccountPost, *, category: str | None = None) -> str | None:
    """Send the post through the door as the signed-in customer; an error text, or None."""
    container = container_of()
    with container.uow() as uow:
        customer = uow.session.get(Customer, user.customer_id)
        if customer is None or not customer.email:
            return "your account has no confirmed email address"
        post = replace(post, email=customer.email, name=customer.name)
    try:
        files = _uploads(container.config.attachment_max_bytes)
    except UploadRefused as refusal:
        return f"attachment: {refusal}"
    parsed = container.intake.parse("portal", post.payload())
    if isinstance(parsed, Rejected | Ignored):
        return parsed.reason
    assert isinstance(parsed, InboundMessage)
    received = container.intake.receive(replace(parsed, attachments=files), lambda r: r)
    if category and received.result.outcome == "created":
        # The customer's choice of category, as a system change: it teaches the router nothing.
        with container.uow() as uow:
            update_request(uow, received.result.request_id, None, category=category)
            uow.commit()
    return None


def _uploads(max_bytes: int) -> tuple[AttachmentData, ...]:
    files: list[FileStorage] = [f for f in request.files.getlist("files") if f and f.filename]
    if len(files) > MAX_FILES:
        raise UploadRefused(f"at most {MAX_FILES} files")
    return tuple(checked_upload(f, max_bytes) for f in files)


def _may_reopen(found: ServiceRequest) -> bool:
    return found.status == Status.SOLVED


def _first_error(form: FlaskForm) -> str:
    for name, errors in form.errors.items():
        return f"{name}: {errors[0]}"
    return "the form is not valid"
