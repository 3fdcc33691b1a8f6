"""Console forms; Flask-WTF adds the CSRF field to each."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from servicedesk.desk.models import Agent, Priority, Status, Team
from servicedesk.web.ids import MAX_ID

STATUS_CHOICES = [SelectChoice(s.value, s.value.replace("_", " ")) for s in Status]
PRIORITY_CHOICES = [SelectChoice(p.value) for p in Priority]


class ReplyForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField("Reply", validators=[DataRequired(), Length(max=100_000)])
    seen_message_id = IntegerField(validators=[Optional(), NumberRange(min=0, max=MAX_ID)])
    status_after = SelectField(
        "Then set status",
        choices=[SelectChoice("", "keep"), *STATUS_CHOICES],
        validators=[Optional()],
    )


class NoteForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField("Internal note", validators=[DataRequired(), Length(max=100_000)])


class PropertiesForm(FlaskForm):  # type: ignore[misc]
    status = SelectField("Status", choices=STATUS_CHOICES)
    priority = SelectField("Priority", choices=PRIORITY_CHOICES)
    category = StringField("Category", validators=[Optional(), Length(max=120)])
    tags = StringField("Tags", validators=[Optional(), Length(max=500)])


class AssignForm(FlaskForm):  # type: ignore[misc]
    assignee_id = SelectField("Assignee", coerce=str, validators=[Optional()])
    team_id = SelectField("Team", coerce=str, validators=[Optional()])

    def set_choices(self, agents: Iterable[Agent], teams: Iterable[Team]) -> None:
        """The agents and teams to pick from; a posted id outside them fails validation."""
        self.assignee_id.choices = [SelectChoice("", "nobody")] + [
            SelectChoice(str(a.id), a.name) for a in agents
        ]
        self.team_id.choices = [SelectChoice("", "no team")] + [
            SelectChoice(str(t.id), t.name) for t in teams
        ]


class MergeForm(FlaskForm):  # type: ignore[misc]
    target = StringField("Merge into (reference)", validators=[DataRequired(), Length(max=20)])
    # Set by the confirmation step that names both customers (see merge_requests).
    confirm_customers = HiddenField(default="")
