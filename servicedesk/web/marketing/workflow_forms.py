"""The workflow editor's form: name, trigger and its settings, the steps as JSON (built
by the visual editor, workflow_editor.js), and the exit conditions."""

from __future__ import annotations

import json
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm_core.campaigns.workflows.definition import TriggerKind
from crm_core.campaigns.workflows.models import Workflow
from crm_core.customers.models import LifecycleStage

TRIGGERS = [
    SelectChoice(TriggerKind.FORM_SUBMITTED.value, "A lead form is submitted"),
    SelectChoice(TriggerKind.STAGE_CHANGED.value, "The lifecycle stage changes"),
    SelectChoice(TriggerKind.LEAD_SCORE.value, "A lead's score crosses a threshold"),
    SelectChoice(TriggerKind.REQUEST_SOLVED.value, "A request is solved"),
    SelectChoice(TriggerKind.TAG_ADDED.value, "A tag is added"),
]
STAGES = [SelectChoice("", "any stage")] + [SelectChoice(s.value, s.value) for s in LifecycleStage]
MAX_STEPS_JSON = 100_000


class NotJson(ValueError):
    """The steps field does not hold a JSON list."""


class WorkflowForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    trigger = SelectField("Trigger", choices=TRIGGERS)
    stage = SelectField("Stage", choices=STAGES, validators=[Optional()])
    tag = StringField("Tag", validators=[Optional(), Length(max=60)])
    threshold = IntegerField("Score threshold", validators=[Optional(), NumberRange(min=1)])
    steps = TextAreaField("Steps (JSON)", validators=[Length(max=MAX_STEPS_JSON)])
    exit_unsubscribed = BooleanField("Leave when unsubscribed", default=True)
    exit_converted = BooleanField("Leave when converted (an order, a deal won)", default=True)
    exit_rules = TextAreaField("Leave when the customer matches", validators=[Length(max=2000)])

    def definition(self) -> dict[str, Any]:
        """The definition the form describes (checked by the domain when saved)."""
        try:
            steps = json.loads(self.steps.data or "[]")
        except json.JSONDecodeError as error:
            raise NotJson(f"steps: not valid JSON ({error.msg})") from None
        settings: dict[str, Any] = {}
        trigger = self.trigger.data
        if trigger == TriggerKind.STAGE_CHANGED and self.stage.data:
            settings["stage"] = self.stage.data
        if trigger == TriggerKind.TAG_ADDED:
            settings["tag"] = (self.tag.data or "").strip()
        if trigger == TriggerKind.LEAD_SCORE:
            settings["threshold"] = self.threshold.data
        return {
            "trigger": settings,
            "steps": steps,
            "exit": {
                "unsubscribed": bool(self.exit_unsubscribed.data),
                "converted": bool(self.exit_converted.data),
                "rules": (self.exit_rules.data or "").strip(),
            },
        }

    def fill(self, workflow: Workflow) -> None:
        definition = workflow.definition or {}
        settings, exits = definition.get("trigger") or {}, definition.get("exit") or {}
        self.name.data, self.trigger.data = workflow.name, workflow.trigger
        self.stage.data = settings.get("stage", "")
        self.tag.data = settings.get("tag", "")
        self.threshold.data = settings.get("threshold")
        self.steps.data = json.dumps(definition.get("steps") or [])
        self.exit_unsubscribed.data = bool(exits.get("unsubscribed", True))
        self.exit_converted.data = bool(exits.get("converted", True))
        self.exit_rules.data = exits.get("rules", "")
