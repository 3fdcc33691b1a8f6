"""Forms of the segment and campaign pages."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from crm_core.campaigns.models import Channel
from crm_core.campaigns.operations import CampaignDraft, MailDraft

CHANNELS = [
    SelectChoice(Channel.EMAIL.value, "Email"),
    SelectChoice(Channel.SLACK.value, "Slack announcement (plain text A, in Slack's markup)"),
    SelectChoice(
        Channel.PORTAL.value, "Help-centre banner (subject A is its title, HTML A its body)"
    ),
]
METRICS = [SelectChoice("click", "clicks"), SelectChoice("open", "opens")]


class SegmentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    rules = TextAreaField("Rules, one per line", validators=[Length(max=5000)])


class CampaignForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    goal = StringField("Goal", validators=[Optional(), Length(max=500)])
    channel = SelectField("Channel", choices=CHANNELS, default=Channel.EMAIL.value)
    segment_id = SelectField("Audience segment", coerce=int, validators=[Optional()])
    scheduled_at = DateTimeLocalField("Send at (UTC)", validators=[Optional()])
    slack_channels = StringField(
        "Slack channel ids (announcements)", validators=[Optional(), Length(max=500)]
    )
    ends_at = DateTimeLocalField("Banner ends at (UTC)", validators=[Optional()])
    show_anonymous = BooleanField("Banner: show to visitors not signed in (audience: everyone)")
    budget = DecimalField("Budget", places=2, default=Decimal("0"), validators=[NumberRange(min=0)])
    actual_cost = DecimalField(
        "Actual costs", places=2, default=Decimal("0"), validators=[NumberRange(min=0)]
    )
    attribution_days = IntegerField(
        "Attribution window (days)", default=30, validators=[NumberRange(1, 365)]
    )
    template_a = SelectField(
        "Email template from the library (A)", coerce=int, default=0, validators=[Optional()]
    )
    subject_a = StringField("Subject (A)", validators=[Length(max=300)])
    text_a = TextAreaField("Plain text (A)")
    html_a = TextAreaField("HTML (A)", validators=[Optional()])
    subject_b = StringField(
        "Subject (B, for an A/B test)", validators=[Optional(), Length(max=300)]
    )
    text_b = TextAreaField("Plain text (B)", validators=[Optional()])
    html_b = TextAreaField("HTML (B)", validators=[Optional()])
    ab_sample_percent = IntegerField(
        "A/B sample (% of the audience)", default=0, validators=[NumberRange(0, 100)]
    )
    ab_metric = SelectField("A/B metric", choices=METRICS, default="click")
    ab_hours = IntegerField("A/B test window (hours)", default=24, validators=[NumberRange(1, 720)])

    def validate_subject_a(self, field: StringField) -> None:
        if not self.template_a.data and not (field.data or "").strip():
            raise ValidationError("write a subject or pick an email template")

    def validate_text_a(self, field: TextAreaField) -> None:
        if not self.template_a.data and not (field.data or "").strip():
            raise ValidationError("write the text or pick an email template")

    def to_draft(self, owner_id: int | None) -> CampaignDraft:
        mails = [
            MailDraft(
                "A",
                self.subject_a.data or "",
                self.text_a.data or "",
                self.html_a.data or "",
                template_version_id=self.template_a.data or None,
            )
        ]
        if self.subject_b.data:
            mails.append(
                MailDraft(
                    "B",
                    self.subject_b.data,
                    self.text_b.data or self.text_a.data or "",
                    self.html_b.data or "",
                )
            )
        return CampaignDraft(
            name=self.name.data or "",
            goal=self.goal.data or "",
            channel=Channel(self.channel.data),
            segment_id=self.segment_id.data or None,
            scheduled_at=self.scheduled_at.data,
            slack_channels=self.slack_channels.data or "",
            ends_at=self.ends_at.data,
            show_anonymous=bool(self.show_anonymous.data),
            budget=self.budget.data or Decimal("0"),
            actual_cost=self.actual_cost.data or Decimal("0"),
            owner_id=owner_id,
            ab_sample_percent=self.ab_sample_percent.data or 0,
            ab_metric=self.ab_metric.data or "click",
            ab_hours=self.ab_hours.data or 24,
            attribution_days=self.attribution_days.data or 30,
            mails=mails,
        )
