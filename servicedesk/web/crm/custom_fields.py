"""GET/POST /crm/fields: admins define the custom fields of customers and organisations."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from crm_core.customers import FieldEntity, FieldKind
from crm_core.customers.custom_fields import FieldSpec, define_field, definitions
from crm_core.normalise import InvalidValue
from servicedesk.current import container_of
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.crm.viewer import current_viewer

ADMINS = frozenset({"admin"})


class FieldForm(FlaskForm):  # type: ignore[misc]
    label = StringField("Label", validators=[DataRequired(), Length(max=120)])
    key = StringField("Key (optional; from the label)", validators=[Optional(), Length(max=60)])
    entity = SelectField(
        "For",
        choices=[SelectChoice(FieldEntity.CUSTOMER.value, "customers"),
                 SelectChoice(FieldEntity.ORGANISATION.value, "organisations")],
    )  # fmt: skip
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.value) for k in FieldKind])
    choices = TextAreaField(
        "Choices, one a line (choice fields)", validators=[Optional(), Length(max=5000)]
    )
    required = BooleanField("Required")
    sensitive = BooleanField("Sensitive (stored encrypted)")

    def to_spec(self) -> FieldSpec:
        return FieldSpec(
            entity=self.entity.data or "",
            label=self.label.data or "",
            kind=self.kind.data or "",
            key=self.key.data or "",
            choices=tuple((self.choices.data or "").splitlines()),
            required=bool(self.required.data),
            sensitive=bool(self.sensitive.data),
        )


@crm.route("/fields", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def custom_fields() -> ResponseReturnValue:
    form = FieldForm()
    with container_of().uow() as uow:
        current_viewer(uow.session, ADMINS)
        if form.validate_on_submit():
            try:
                definition = define_field(uow.session, form.to_spec())
            except InvalidValue as error:
                target = getattr(form, error.field, form.label)
                target.errors = [*target.errors, error.reason]
            else:
                uow.commit()
                flash(f"Field {definition.label} ({definition.key}) added.", "ok")
                return redirect(url_for("crm.custom_fields"))
        fields = {entity: definitions(uow.session, entity) for entity in FieldEntity}
        status = 400 if form.errors else 200
        return render_template("crm/fields.html", form=form, fields=fields), status
