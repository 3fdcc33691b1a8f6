"""Customer sign-in to the help centre: magic link or password, sign-out, password.

"Send me a link" answers the same for every address, known or not, so the page tells
nobody who is a customer. Following a link shows a button first: mail scanners fetch
links, and a GET must not use up a single-use link.
"""

from __future__ import annotations

from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from crm_core.portal_accounts import PortalAccount, end_portal_sessions
from servicedesk.current import container_of
from servicedesk.desk.customer_accounts import (
    complete_sign_in,
    request_sign_in_link,
    set_portal_password,
    sign_in_with_password,
)
from servicedesk.desk.errors import InvalidChange
from servicedesk.desk.identity import LinkInvalid
from servicedesk.extensions import limiter
from servicedesk.web.auth import safe_next
from servicedesk.web.portal.blueprint import portal
from servicedesk.web.portal.session import (
    customer_required,
    end_portal_session,
    signed_in_user,
    start_portal_session,
    template_context,
)

TOKEN_MAX = 500
HOME = "portal.my_requests"
portal.context_processor(template_context)


class SignInForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("Your email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password (if you set one)", validators=[Optional(), Length(max=500)])


def _address_key() -> str:
    # Link requests are limited per address as well as per client, so nobody can flood
    # one inbox from many machines.
    return (request.form.get("email") or "").strip().lower()[:320] or "-"


@portal.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=_address_key)
def sign_in() -> ResponseReturnValue:
    form = SignInForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("portal/sign_in.html", form=form), status
    container = container_of()
    with container.uow() as uow:
        if form.password.data:
            user = sign_in_with_password(uow, form.email.data, form.password.data)
            if user is None:
                flash("Email or password is wrong.", "error")
                return render_template("portal/sign_in.html", form=form), 401
            uow.commit()
            start_portal_session(user)
            return redirect(safe_next(request.args.get("next"), HOME))
        try:
            request_sign_in_link(uow, form.email.data)
        except InvalidChange as error:
            form.email.errors.append(str(error).removeprefix("email: "))
            return render_template("portal/sign_in.html", form=form), 400
        uow.commit()
    return render_template("portal/sign_in_sent.html", email=form.email.data)


@portal.route("/sign-in/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def sign_in_link(token: str) -> ResponseReturnValue:
    form = FlaskForm()
    if len(token) > TOKEN_MAX:
        return render_template("portal/sign_in_link.html", form=form, error="not valid"), 400
    if not form.validate_on_submit():
        return render_template("portal/sign_in_link.html", form=form)
    container = container_of()
    with container.uow() as uow:
        try:
            user = complete_sign_in(uow, container.config.secret_key, token)
        except LinkInvalid as error:
            return render_template("portal/sign_in_link.html", form=form, error=str(error)), 400
        uow.commit()
    start_portal_session(user)
    return redirect(url_for(HOME))


@portal.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    FlaskForm().validate_on_submit()  # CSRF is checked by the app-wide CSRFProtect
    end_portal_session()
    return redirect(url_for("portal.search"))


@portal.post("/sign-out-everywhere")
@customer_required
def sign_out_everywhere() -> ResponseReturnValue:
    user = signed_in_user()
    with container_of().uow() as uow:
        account = uow.session.get(PortalAccount, user.customer_id)
        if account is not None:
            end_portal_sessions(account)
        uow.commit()
    end_portal_session()
    flash("You were signed out on every device.", "info")
    return redirect(url_for("portal.sign_in"))


class PasswordForm(FlaskForm):  # type: ignore[misc]
    new = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=500)])
    repeat = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="the two passwords differ")],
    )


@portal.route("/account/password", methods=["GET", "POST"])
@customer_required
@limiter.limit("10 per minute", methods=["POST"])
def account_password() -> ResponseReturnValue:
    """Set a password (optional: the link always works); other sessions end."""
    form = PasswordForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("portal/password.html", form=form), status
    user = signed_in_user()
    with container_of().uow() as uow:
        version = set_portal_password(uow, user.customer_id, form.new.data)
        uow.commit()
    start_portal_session(replace(user, session_version=version))
    flash("Your password was set; other devices were signed out.", "info")
    return redirect(url_for(HOME))
