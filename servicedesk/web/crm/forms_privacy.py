"""Forms of the privacy, roles and audit pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crm_core.privacy import PURPOSES
from servicedesk.desk.role_admin import KNOWN_ROLES


class ExportForm(FlaskForm):  # type: ignore[misc]
    """Nothing to fill in: the CSRF token alone (an export is a POST)."""


class ConsentForm(FlaskForm):  # type: ignore[misc]
    purpose = SelectField("Purpose", choices=[SelectChoice(p, p) for p in PURPOSES])
    granted = SelectField(
        "Answer", choices=[SelectChoice("yes", "granted"), SelectChoice("no", "withdrawn")]
    )
    source = StringField(
        "How we learnt it", validators=[DataRequired(), Length(max=60)], default="agent"
    )


class EraseForm(FlaskForm):  # type: ignore[misc]
    confirm = StringField(
        "Type the person's name to confirm", validators=[DataRequired(), Length(max=320)]
    )
    reason = TextAreaField(
        "Reason (kept in the audit log)", validators=[Optional(), Length(max=1000)]
    )


class RolesForm(FlaskForm):  # type: ignore[misc]
    roles = SelectMultipleField(
        "Roles",
        choices=[SelectChoice(role, role) for role in KNOWN_ROLES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])


class AuditFilterForm(FlaskForm):  # type: ignore[misc]
    """Read from the query string; a GET changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    entity = StringField("Entity", validators=[Optional(), Length(max=40)])
    entity_id = StringField("Id", validators=[Optional(), Length(max=100)])
    action = StringField("Action", validators=[Optional(), Length(max=40)])
    actor_id = IntegerField("Actor id", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    since = DateField("From", validators=[Optional()])
    until = DateField("Until (inclusive)", validators=[Optional()])
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1, max=100_000)], default=1)
