"""`/console/slack/users`: which Slack user is which desk account; an admin fixes a match."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField

from channels.slack import SlackAdapter
from channels.slack.models import SlackUser
from servicedesk.current import container_of
from servicedesk.desk.queries import all_agents
from servicedesk.web.mail.blueprint import admins_only

slack_admin = Blueprint("slack_admin", __name__, url_prefix="/console/slack")
NOBODY = "none"


# Slack users' emails and who may act as which agent: for admins only, as mail settings are.
slack_admin.before_request(admins_only)


class MappingForm(FlaskForm):  # type: ignore[misc]
    agent = SelectField("Desk account", choices=[])


@slack_admin.get("/users")
def users() -> ResponseReturnValue:
    """Every Slack user the desk has met, the account they map to, and a form to change it."""
    container = container_of()
    with container.uow() as uow:
        agents = all_agents(uow.session)
        form = MappingForm()
        form.agent.choices = [(NOBODY, "— not a desk user —")]
        form.agent.choices += [(str(a.id), f"{a.name} <{a.email}>") for a in agents]
        return render_template(
            "slack/users.html",
            rows=uow.session.scalars(select(SlackUser).order_by(SlackUser.name).limit(500)),
            form=form,
            agent_names={a.id: a.name for a in agents},
            enabled=container.config.slack_enabled,
        )


@slack_admin.post("/users/<user_id>")
def set_user(user_id: str) -> ResponseReturnValue:
    container = container_of()
    with container.uow() as uow:
        valid = {str(agent.id) for agent in all_agents(uow.session)}
    form = MappingForm()
    form.agent.choices = [(NOBODY, NOBODY)] + [(v, v) for v in sorted(valid)]
    if not form.validate_on_submit():
        flash("Desk account: choose one from the list.", "error")
        return redirect(url_for("slack_admin.users"))
    adapter = container.adapters.get("slack") if "slack" in container.adapters else None
    if not isinstance(adapter, SlackAdapter):
        abort(404)
    chosen = None if form.agent.data == NOBODY else int(form.agent.data)
    try:
        adapter.directory.set_agent(user_id, chosen)
    except LookupError:
        abort(404)
    flash(f"Slack user {user_id} saved.", "info")
    return redirect(url_for("slack_admin.users"))
