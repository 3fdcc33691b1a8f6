"""The contact form: suggest articles first (deflection), then open a request."""

from __future__ import annotations

import secrets

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from channels.base import Rejected
from channels.portal.adapter import ContactSubmission, parse_submission
from servicedesk.current import container_of
from servicedesk.desk.operations import receive_inbound
from servicedesk.extensions import limiter
from servicedesk.web.portal.blueprint import portal


class ContactForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Your name", validators=[Length(max=200)])
    email = EmailField("Your email", validators=[DataRequired(), Length(max=320)])
    subject = StringField("Subject", validators=[DataRequired(), Length(max=200)])
    message = TextAreaField("Your question", validators=[DataRequired(), Length(max=20_000)])
    token = HiddenField()

    def submission(self) -> ContactSubmission:
        return ContactSubmission(
            token=self.token.data or "",
            name=self.name.data or "",
            email=self.email.data or "",
            subject=self.subject.data or "",
            text=self.message.data or "",
        )


@portal.route("/contact", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def contact() -> ResponseReturnValue:
    form = ContactForm()
    if request.method == "GET":
        form.token.data = secrets.token_urlsafe(24)
        form.subject.data = request.args.get("q", "")[:200]
        return render_template("portal/contact.html", form=form, answers=None)
    if not form.validate_on_submit():
        return render_template("portal/contact.html", form=form, answers=None), 400
    parsed = parse_submission(form.submission())
    if isinstance(parsed, Rejected):
        return render_template("portal/contact.html", form=form, error=parsed.reason), 400
    if request.form.get("action") == "check":
        question = f"{parsed.subject}\n{parsed.text}"
        found = container_of().knowledge.search(
            question, audience="portal", limit=3, source="portal-contact"
        )
        return render_template("portal/contact.html", form=form, answers=found.answers)
    container = container_of()
    with container.uow() as uow:
        result = receive_inbound(uow, parsed, router=container.router)
        uow.commit()
    return render_template("portal/sent.html", reference=result.reference)
