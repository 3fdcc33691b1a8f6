"""The page a confirmation link opens: one click confirms the email address.

Following the link only shows a button: mail scanners fetch links in mails, and a GET
must not use up a single-use link. Neither page tells which requests the address has.
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from servicedesk.current import container_of
from servicedesk.desk.identity import LinkInvalid, confirm_contact
from servicedesk.extensions import limiter
from servicedesk.web.portal.blueprint import portal

TOKEN_MAX = 500


@portal.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def confirm(token: str) -> ResponseReturnValue:
    form = FlaskForm()
    if len(token) > TOKEN_MAX:
        return render_template(
            "portal/confirm.html", form=form, error="this link is not valid"
        ), 400
    if not form.validate_on_submit():
        return render_template("portal/confirm.html", form=form, done=False)
    container = container_of()
    with container.uow() as uow:
        try:
            confirm_contact(uow, container.config.secret_key, token)
        except LinkInvalid as error:
            return render_template("portal/confirm.html", form=form, error=str(error)), 400
        uow.commit()
    return render_template("portal/confirm.html", form=form, done=True)
