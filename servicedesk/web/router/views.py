"""Router pages: read for every agent, change for admins only; each view calls one operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from crm_core.audit import audited
from servicedesk.current import container_of
from servicedesk.desk.routing import rule_admin
from servicedesk.desk.routing.models import RoutingCorrection, RoutingRuleRow
from servicedesk.desk.routing.router import Router
from servicedesk.desk.routing.versions import ModelStore, NoActiveModelError
from servicedesk.web.ids import guard_rows
from servicedesk.web.router.blueprint import router
from servicedesk.web.router.forms import RuleForm, TestBoxForm
from servicedesk.web.viewing import current_viewer

guard_rows(router, "rule_id", RoutingRuleRow)


def _router() -> Router:
    found = container_of().router
    if found is None:
        abort(404)
    return found


def _store() -> ModelStore:
    return ModelStore(container_of().config.models_dir / "router")


def _admin_only() -> None:
    if not current_user.has_role("admin"):
        abort(403)


@router.get("")
@login_required  # type: ignore[misc]
def index() -> ResponseReturnValue:
    versions = list(reversed(_store().versions()))
    return render_template("router/versions.html", versions=versions)


@router.post("/versions/<int:version>/activate")
@login_required  # type: ignore[misc]
def activate(version: int) -> ResponseReturnValue:
    _admin_only()
    try:
        _store().activate(version)
    except NoActiveModelError as error:
        flash(str(error), "error")
    else:
        flash(f"Model v{version} is active.", "ok")
    return redirect(url_for("router.index"))


@router.post("/retrain")
@login_required  # type: ignore[misc]
def retrain() -> ResponseReturnValue:
    _admin_only()
    container_of().tasks.enqueue("default", "retrain_router")
    flash("Retraining was queued; the new model becomes active unless it is worse.", "ok")
    return redirect(url_for("router.index"))


@router.get("/rules")
@login_required  # type: ignore[misc]
def rules() -> ResponseReturnValue:
    with container_of().uow() as uow:
        rows = rule_admin.all_rules(uow.session)
        listed = [(row, rule_admin.format_conditions(row.definition)) for row in rows]
        return render_template("router/rules.html", rules=listed)


@router.route("/rules/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new_rule() -> ResponseReturnValue:
    _admin_only()
    form = RuleForm()
    if form.validate_on_submit() and _saved(lambda s: rule_admin.create_rule(s, form.to_draft())):
        flash("Rule added at the end of the list.", "ok")
        return redirect(url_for("router.rules"))
    status = 400 if form.is_submitted() else 200
    return render_template("router/rule_edit.html", form=form, rule_id=None), status


@router.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit_rule(rule_id: int) -> ResponseReturnValue:
    _admin_only()
    form = RuleForm()
    if not form.is_submitted():
        with container_of().uow() as uow:
            row = uow.session.get(RoutingRuleRow, rule_id)
            if row is None:
                abort(404)
            form = RuleForm.of(rule_admin.draft_of(row))
    elif form.validate_on_submit() and _saved(
        lambda s: rule_admin.update_rule(s, rule_id, form.to_draft())
    ):
        flash("Rule saved.", "ok")
        return redirect(url_for("router.rules"))
    status = 400 if form.is_submitted() else 200
    return render_template("router/rule_edit.html", form=form, rule_id=rule_id), status


@router.post("/rules/<int:rule_id>/move/<direction>")
@login_required  # type: ignore[misc]
def move_rule(rule_id: int, direction: str) -> ResponseReturnValue:
    _admin_only()
    if direction not in {"up", "down"}:
        abort(404)
    offset = -1 if direction == "up" else 1
    _saved(lambda s: rule_admin.move_rule(s, rule_id, offset))
    return redirect(url_for("router.rules"))


@router.post("/rules/<int:rule_id>/<action>")
@login_required  # type: ignore[misc]
def toggle_rule(rule_id: int, action: str) -> ResponseReturnValue:
    _admin_only()
    if action not in {"enable", "disable"}:
        abort(404)
    if _saved(lambda s: rule_admin.set_enabled(s, rule_id, action == "enable")):
        flash(f"Rule {action}d.", "ok")
    return redirect(url_for("router.rules"))


@router.route("/test", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def test_box() -> ResponseReturnValue:
    form = TestBoxForm()
    verdict = None
    if form.validate_on_submit():
        active = _router()
        with container_of().uow() as uow:
            loaded = active.load_rules(uow.session)
        verdict = active.explain(loaded, form.text.data, form.facts())
    return render_template("router/test.html", form=form, verdict=verdict)


@router.get("/corrections")
@login_required  # type: ignore[misc]
def corrections() -> ResponseReturnValue:
    with container_of().uow() as uow:
        rows = uow.session.scalars(
            select(RoutingCorrection).order_by(RoutingCorrection.id.desc()).limit(300)
        ).all()
        return render_template("router/corrections.html", corrections=rows)


def _saved(change: Callable[[Any], object]) -> bool:
    """Run one rule change in its own unit of work; a refused change is flashed."""
    with container_of().uow() as uow:
        try:
            with audited(uow.session, current_viewer(uow.session)):
                change(uow.session)
        except rule_admin.RuleError as error:
            flash(str(error), "error")
            return False
        uow.commit()
    return True
