"""Agent sign-in and sign-out with Flask-Login; sessions expire after the configured time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from servicedesk.current import container_of
from servicedesk.desk.accounts import authenticate, change_password, end_sessions
from servicedesk.desk.errors import InvalidChange
from servicedesk.desk.models import Agent
from servicedesk.extensions import limiter, login_manager, socketio
from servicedesk.sockets.console import disconnect_agent

bp = Blueprint("auth", __name__)


@dataclass(frozen=True)
class SignedInAgent(UserMixin):  # type: ignore[misc]
    """What a view knows about the signed-in agent (reloaded from SQL per request)."""

    id: int
    name: str
    email: str
    roles: tuple[str, ...]

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles

    @classmethod
    def of(cls, agent: Agent) -> SignedInAgent:
        return cls(agent.id, agent.name, agent.email, tuple(agent.roles))


# Session keys: the agent's session version at sign-in, and when the sign-in happened.
SESSION_VERSION = "agent_session_version"
SIGNED_IN_AT = "signed_in_at"


@login_manager.user_loader
def load_agent(agent_id: str) -> SignedInAgent | None:
    """The agent of this session, or None once the session ended.

    Runs on every request and on every socket event (the /console handshake included).
    A session ends when the agent signs out or changes the password anywhere (the version
    moved on) or when it is older than the absolute lifetime, however active it stayed:
    `session.permanent` renews the cookie on each request, so idle expiry alone never ends
    a session that is used.
    """
    if not agent_id.isdigit() or not _session_young_enough():
        return None
    with container_of().uow() as uow:
        agent = uow.session.get(Agent, int(agent_id))
        if agent is None or not agent.is_active:
            return None
        if session.get(SESSION_VERSION) != agent.session_version:
            return None
        return SignedInAgent.of(agent)


def _session_young_enough() -> bool:
    signed_in_at = session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int | float):
        return False
    lifetime = container_of().config.session_absolute_minutes * 60
    return 0 <= time.time() - signed_in_at < lifetime


def _start_session(agent: Agent) -> None:
    session.clear()  # a fresh session on sign-in defeats session fixation
    session.permanent = True
    session[SESSION_VERSION] = agent.session_version
    session[SIGNED_IN_AT] = int(time.time())


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        with container_of().uow() as uow:
            agent = authenticate(uow.session, form.email.data, form.password.data)
            if agent is not None:
                user = SignedInAgent.of(agent)
                uow.commit()
                _start_session(agent)
                login_user(user)
                return redirect(safe_next(request.args.get("next")))
        flash("Email or password is wrong.", "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def safe_next(target: str | None, fallback: str = "console.inbox") -> str:
    r"""`target` when it is a path on this site, else the inbox (no open redirect).

    Browsers skip any run of slashes or backslashes after the scheme and drop tabs and
    newlines, so "//evil", "///evil", "/\evil" and "/\t/evil" all lead to another
    host: only one "/" followed by something else, printable, passes.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and not urlsplit(target).netloc
    ):
        return target
    return url_for(fallback)


@bp.post("/logout")
@login_required  # type: ignore[misc]
def logout() -> ResponseReturnValue:
    agent_id = int(current_user.id)
    # Signing out ends every session of the agent: a copied cookie opens nothing after.
    with container_of().uow() as uow:
        agent = uow.session.get(Agent, agent_id)
        if agent is not None:
            end_sessions(agent)
        uow.commit()
    # Socket.IO keeps its own copy of the session: close the agent's live sockets too.
    disconnect_agent(socketio, agent_id)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


class PasswordForm(FlaskForm):  # type: ignore[misc]
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=500)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=500)])
    repeat = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="the two new passwords differ")],
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
@limiter.limit("10 per minute", methods=["POST"])
def password() -> ResponseReturnValue:
    """Change one's password; every other session of the agent ends, this one stays."""
    form = PasswordForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/password.html", form=form), status
    agent_id = int(current_user.id)
    with container_of().uow() as uow:
        try:
            agent = change_password(uow.session, agent_id, form.current.data, form.new.data)
        except InvalidChange as error:
            return render_template("auth/password.html", form=form, error=str(error)), 400
        version = agent.session_version
        uow.commit()
    disconnect_agent(socketio, agent_id)  # other tabs reconnect; other browsers cannot
    session[SESSION_VERSION] = version
    flash("Your password was changed; you were signed out everywhere else.", "info")
    return redirect(url_for("console.inbox"))
