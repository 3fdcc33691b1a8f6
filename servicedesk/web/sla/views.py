"""SLA pages: list policies and calendars; admins edit one as YAML (same form as `sla load`)."""

from __future__ import annotations

from typing import Any

import yaml
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from servicedesk.current import container_of
from servicedesk.desk.automation.admin import AutomationSetupError, save_macro, save_rule
from servicedesk.desk.automation.models import AutomationRule, Macro
from servicedesk.desk.sla.admin import SlaSetupError, save_calendar, save_policy
from servicedesk.desk.sla.models import SlaCalendarRow, SlaPolicyRow
from servicedesk.desk.sla.sweep import recompute_due_times
from servicedesk.web.sla.blueprint import sla

KINDS: dict[str, Any] = {
    "policy": SlaPolicyRow,
    "calendar": SlaCalendarRow,
    "rule": AutomationRule,
    "macro": Macro,
}
EXAMPLES = {
    "policy": (
        "name: Standard\ncalendar: Office\n"
        "conditions:\n  - {fact: channel, op: in, value: [email]}\n"
        "targets:\n  normal: {first_response: 240, next_response: 480, resolution: 2880}\n"
        "  urgent: {first_response: 30, resolution: 480}\nwarn_before_minutes: 30\n"
        "escalation: {raise_priority: true, notify_lead: true, reassign_team: null}\n"
    ),
    "calendar": (
        "name: Office\ntimezone: Europe/Berlin\nhours:\n  mon: 09:00-12:00, 13:00-17:00\n"
        "  tue: 09:00-17:00\nholidays: ['12-25', '2026-04-03']\n"
        "exceptions: {'2026-12-24': 09:00-12:00}\n"
    ),
    "rule": (
        "name: Refunds to billing\non: created  # created | updated | timed\n"
        "conditions:\n  - {fact: subject, op: contains, value: [refund]}\n"
        "actions:\n  - set_priority: high\n  - add_tag: refund\n  - assign: {team: Billing}\n"
        "  - reply: thanks\n  - note: Routed by automation\n"
        "# timed rules: wait: solved | pending | unassigned, minutes: N, business_calendar: X\n"
    ),
    "macro": (
        "name: Thanks\nshortcut: thanks\nbody: |\n  Hello {{ customer.name }},\n"
        "  we received {{ request.reference }} and are on it.\n"
    ),
}


SAVERS: dict[str, Any] = {
    "policy": save_policy,
    "calendar": save_calendar,
    "rule": save_rule,
    "macro": save_macro,
}


class DefinitionForm(FlaskForm):  # type: ignore[misc]
    definition = TextAreaField("Definition (YAML)", validators=[DataRequired(), Length(max=20000)])


def _admin_only() -> None:
    if not current_user.has_role("admin"):
        abort(403)


@sla.get("")
@login_required  # type: ignore[misc]
def index() -> ResponseReturnValue:
    with container_of().uow() as uow:
        policies = list(
            uow.session.scalars(
                select(SlaPolicyRow).order_by(SlaPolicyRow.position, SlaPolicyRow.id)
            )
        )
        calendars = list(uow.session.scalars(select(SlaCalendarRow).order_by(SlaCalendarRow.name)))
        rules = list(
            uow.session.scalars(
                select(AutomationRule).order_by(AutomationRule.position, AutomationRule.id)
            )
        )
        macros = list(uow.session.scalars(select(Macro).order_by(Macro.name)))
        return render_template(
            "sla/index.html", policies=policies, calendars=calendars, rules=rules, macros=macros
        )


@sla.route("/<kind>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit(kind: str) -> ResponseReturnValue:
    """Create (no `name`) or replace a policy or a calendar."""
    _admin_only()
    if kind not in KINDS:
        abort(404)
    name = request.args.get("name")
    form = DefinitionForm()
    if form.validate_on_submit():
        saved = _save(kind, form.definition.data or "")
        if saved:
            flash(f"The {kind} {saved} was saved.", "ok")
            return redirect(url_for("sla.index"))
    elif request.method == "GET":
        form.definition.data = _current_yaml(kind, name) if name else EXAMPLES[kind]
    for field, messages in form.errors.items():
        flash(f"{field}: {'; '.join(messages)}", "error")
    return render_template("sla/edit.html", form=form, kind=kind, name=name)


def _current_yaml(kind: str, name: str) -> str:
    model = KINDS[kind]
    with container_of().uow() as uow:
        row: Any = uow.session.scalars(select(model).where(model.name == name)).first()
        if row is None:
            abort(404)
        if kind == "macro":
            data = {"name": row.name, "shortcut": row.shortcut, "body": row.body}
        else:
            data = {"name": row.name, **row.definition}
        if kind in ("policy", "rule"):  # the list's order: lower positions are tried first
            data["enabled"], data["position"] = row.enabled, row.position
        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _save(kind: str, text: str) -> str | None:
    """Save the YAML; a problem is flashed naming the field, and None returned."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        flash(f"definition: not valid YAML ({error})", "error")
        return None
    if not isinstance(data, dict):
        flash("definition: write the fields as 'name: value' lines", "error")
        return None
    container = container_of()
    with container.uow() as uow:
        try:
            row: Any = SAVERS[kind](uow.session, data)
            if kind == "calendar":
                recompute_due_times(uow, row.name)
        except (SlaSetupError, AutomationSetupError) as error:
            flash(f"definition: {error}", "error")
            return None
        uow.commit()
    if kind == "policy":
        container.tasks.enqueue("default", "refresh_open_slas")
    return str(row.name)
