"""Forms of the router pages: a rule, and the test box."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from servicedesk.desk.models import Priority
from servicedesk.desk.routing.rule_admin import RuleDraft

PRIORITY_CHOICES = [SelectChoice("", "(keep)")] + [SelectChoice(p.value, p.value) for p in Priority]


class RuleForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    conditions = TextAreaField(
        "Conditions, one per line: fact operator value (all must hold)",
        validators=[Optional(), Length(max=5000)],
    )
    category = StringField("Set category", validators=[Optional(), Length(max=120)])
    priority = SelectField("Set priority", choices=PRIORITY_CHOICES, default="")
    team = StringField("Send to team", validators=[Optional(), Length(max=120)])
    enabled = BooleanField("Enabled", default=True)

    def to_draft(self) -> RuleDraft:
        return RuleDraft(
            name=self.name.data or "",
            conditions_text=self.conditions.data or "",
            category=self.category.data or None,
            priority=self.priority.data or None,
            team=self.team.data or None,
            enabled=bool(self.enabled.data),
        )

    @classmethod
    def of(cls, draft: RuleDraft) -> RuleForm:
        return cls(
            name=draft.name,
            conditions=draft.conditions_text,
            category=draft.category or "",
            priority=draft.priority or "",
            team=draft.team or "",
            enabled=draft.enabled,
        )


class TestBoxForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField("Message text", validators=[DataRequired(), Length(max=20_000)])
    subject = StringField("Subject", validators=[Optional(), Length(max=500)])
    channel = SelectField(
        "Channel",
        choices=[SelectChoice(c, c) for c in ("email", "webchat", "portal")],
        default="email",
    )
    sender_domain = StringField("Sender domain", validators=[Optional(), Length(max=255)])
    customer_tier = StringField("Customer tier", validators=[Optional(), Length(max=60)])
    customer_vip = BooleanField("VIP customer")

    def facts(self) -> dict[str, object]:
        """The facts rules test, as a request from such a sender would have them."""
        return {
            "channel": self.channel.data,
            "subject": self.subject.data or None,
            "sender_domain": (self.sender_domain.data or "").strip().lower() or None,
            "customer.tier": (self.customer_tier.data or "").strip() or None,
            "customer.vip": bool(self.customer_vip.data),
        }
