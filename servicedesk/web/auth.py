"""Agent sign-in and sign-out with Flask-Login; sessions expire after the configured time."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from servicedesk.current import container_of
from servicedesk.desk.accounts import authenticate
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


@login_manager.user_loader
def load_agent(agent_id: str) -> SignedInAgent | None:
    if not agent_id.isdigit():
        return None
    with container_of().uow() as uow:
        agent = uow.session.get(Agent, int(agent_id))
        return SignedInAgent.of(agent) if agent and agent.is_active else None


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
                session.clear()  # a fresh session on sign-in defeats session fixation
                session.permanent = True
                login_user(user)
                return redirect(_safe_next(request.args.get("next")))
        flash("Email or password is wrong.", "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _safe_next(target: str | None) -> str:
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
    return url_for("console.inbox")


@bp.post("/logout")
@login_required  # type: ignore[misc]
def logout() -> ResponseReturnValue:
    # Socket.IO keeps its own copy of the session: close the agent's live sockets too.
    disconnect_agent(socketio, int(current_user.id))
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
