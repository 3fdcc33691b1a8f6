"""Admins change, reorder and delete custom fields: /crm/fields/<id>/edit, /move, /delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from crm_core.access import Viewer
from crm_core.audit import audited
from crm_core.customers.field_admin import (
    FieldEdit,
    FieldNotFound,
    delete_field,
    get_field,
    move_field,
    update_field,
    values_held,
)
from crm_core.customers.field_models import CustomFieldDefinition, FieldKind
from crm_core.normalise import InvalidValue
from servicedesk.current import container_of
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.crm.custom_fields import ADMINS
from servicedesk.web.crm.viewer import current_viewer


class FieldEditForm(FlaskForm):  # type: ignore[misc]
    label = StringField("Label", validators=[DataRequired(), Length(max=120)])
    choices = TextAreaField(
        "Choices, one a line (choice fields)", validators=[Optional(), Length(max=5000)]
    )
    required = BooleanField("Required")

    def to_edit(self) -> FieldEdit:
        return FieldEdit(
            label=self.label.data or "",
            choices=tuple((self.choices.data or "").splitlines()),
            required=bool(self.required.data),
        )


class DeleteFieldForm(FlaskForm):  # type: ignore[misc]
    confirm = BooleanField("Yes, delete this field and every value of it", [DataRequired()])


class MoveFieldForm(FlaskForm):  # type: ignore[misc]
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


@crm.route("/fields/<int:field_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit_custom_field(field_id: int) -> ResponseReturnValue:
    form = FieldEditForm()
    with container_of().uow() as uow:
        viewer, definition = _admin_and_field(uow.session, field_id)
        if request.method == "GET":
            form.process(data={"label": definition.label, "required": definition.required,
                               "choices": "\n".join(definition.choice_list)})  # fmt: skip
        elif form.validate_on_submit():
            try:
                with audited(uow.session, viewer):
                    update_field(uow.session, field_id, form.to_edit())
            except InvalidValue as error:
                target = getattr(form, error.field, form.label)
                shown = f"{error.reason} ({error.value})" if error.value else error.reason
                target.errors = [*target.errors, shown]
            else:
                uow.commit()
                flash(f"Field {definition.label} saved.", "ok")
                return redirect(url_for("crm.custom_fields"))
        page = render_template(
            "crm/field_edit.html",
            form=form,
            field=definition,
            is_choice=definition.kind is FieldKind.CHOICE,
            held=values_held(uow.session, definition),
            delete_form=DeleteFieldForm(formdata=None),
        )
        return page, 400 if form.errors else 200


@crm.route("/fields/<int:field_id>/delete", methods=["POST"])
@login_required  # type: ignore[misc]
def delete_custom_field(field_id: int) -> ResponseReturnValue:
    form = DeleteFieldForm()
    with container_of().uow() as uow:
        viewer, definition = _admin_and_field(uow.session, field_id)
        if not form.validate_on_submit():
            flash("Field not deleted: tick the confirmation first.", "error")
            return redirect(url_for("crm.edit_custom_field", field_id=field_id))
        label = definition.label
        with audited(uow.session, viewer):
            removed = delete_field(uow.session, field_id)
        uow.commit()
    flash(f"Field {label} deleted with {removed} stored value(s).", "ok")
    return redirect(url_for("crm.custom_fields"))


@crm.route("/fields/<int:field_id>/move", methods=["POST"])
@login_required  # type: ignore[misc]
def move_custom_field(field_id: int) -> ResponseReturnValue:
    form = MoveFieldForm()
    with container_of().uow() as uow:
        viewer, _ = _admin_and_field(uow.session, field_id)
        if not form.validate_on_submit():
            abort(400)
        with audited(uow.session, viewer):
            move_field(uow.session, field_id, -1 if form.direction.data == "up" else 1)
        uow.commit()
    return redirect(url_for("crm.custom_fields"))


def _admin_and_field(session: Session, field_id: int) -> tuple[Viewer, CustomFieldDefinition]:
    """The signed-in admin (403 for anyone else) and the field (404 if there is none)."""
    viewer = current_viewer(session, ADMINS)
    try:
        return viewer, get_field(session, field_id)
    except FieldNotFound:
        abort(404)
