"""Admin pages of leads: scoring rules and assignment (territory) rules.

Everyone who works leads may read the rules; only admins change them.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from crm_core.normalise import InvalidValue
from crm_core.sales.assignment import add_territory, delete_territory, territory_rules
from crm_core.sales.lead_model import MIN_CLOSED, closed_leads, load_lead_model
from crm_core.sales.models import ScoringRule
from crm_core.sales.scoring import add_scoring_rule, delete_scoring_rule
from servicedesk.current import container_of
from servicedesk.desk.reps import agent_names, sales_reps
from servicedesk.web.sales.blueprint import sales
from servicedesk.web.sales.lead_forms import ScoringRuleForm, TerritoryForm, rep_choices
from servicedesk.web.sales.lead_support import lead_viewer


def _admin_only() -> None:
    if not current_user.has_role("admin"):
        abort(403)


@sales.route("/leads/scoring", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def scoring_rules() -> ResponseReturnValue:
    form = ScoringRuleForm()
    with container_of().uow() as uow:
        lead_viewer(uow.session)
        if form.is_submitted():
            _admin_only()
        if form.validate_on_submit():
            try:
                add_scoring_rule(uow.session, form.spec())
            except InvalidValue as error:
                getattr(form, error.field).errors = [error.reason]
            else:
                uow.commit()
                flash("Rule added; leads are re-scored on their next event.", "ok")
                return redirect(url_for("sales.scoring_rules"))
        rules = list(uow.session.scalars(select(ScoringRule).order_by(ScoringRule.position)))
        model = load_lead_model(container_of().config.lead_model_dir)
        return render_template(
            "sales/scoring_rules.html",
            rules=rules,
            form=form,
            minimum=MIN_CLOSED,
            closed=len(closed_leads(uow.session)),
            model=model.metrics if model else None,
        )


@sales.post("/leads/scoring/<int:rule_id>/delete")
@login_required  # type: ignore[misc]
def delete_scoring(rule_id: int) -> ResponseReturnValue:
    _admin_only()
    with container_of().uow() as uow:
        delete_scoring_rule(uow.session, rule_id)
        uow.commit()
    flash("Rule deleted.", "ok")
    return redirect(url_for("sales.scoring_rules"))


@sales.post("/leads/scoring/train")
@login_required  # type: ignore[misc]
def train_model() -> ResponseReturnValue:
    _admin_only()
    container_of().tasks.enqueue("default", "train_lead_model")
    flash("Training was queued; open leads get the new probability when it is done.", "ok")
    return redirect(url_for("sales.scoring_rules"))


@sales.route("/leads/assignment", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def assignment_rules() -> ResponseReturnValue:
    form = TerritoryForm()
    with container_of().uow() as uow:
        lead_viewer(uow.session)
        reps = sales_reps(uow.session)
        form.owner_id.choices = rep_choices([(r.id, r.name) for r in reps])
        if form.is_submitted():
            _admin_only()
        if form.validate_on_submit():
            try:
                add_territory(uow.session, form.territory())
            except InvalidValue as error:
                getattr(form, error.field).errors = [error.reason]
            else:
                uow.commit()
                flash("Territory added.", "ok")
                return redirect(url_for("sales.assignment_rules"))
        return render_template(
            "sales/assignment_rules.html",
            rules=territory_rules(uow.session),
            form=form,
            reps=reps,
            names=agent_names(uow.session),
        )


@sales.post("/leads/assignment/<int:rule_id>/delete")
@login_required  # type: ignore[misc]
def delete_assignment(rule_id: int) -> ResponseReturnValue:
    _admin_only()
    with container_of().uow() as uow:
        delete_territory(uow.session, rule_id)
        uow.commit()
    flash("Territory deleted.", "ok")
    return redirect(url_for("sales.assignment_rules"))
