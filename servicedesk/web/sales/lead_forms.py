"""Forms of the lead pages: activities, conversion, disqualification, assignment, rules."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm_core.sales.assignment import Territory
from crm_core.sales.conversion import DealTerms
from crm_core.sales.leads import REP_ACTIVITY_KINDS
from crm_core.sales.scoring import BEHAVIOUR_KINDS, OPERATORS, RuleSpec


def _choices(*values: str) -> list[SelectChoice]:
    return [SelectChoice(v, v) for v in values]


def rep_choices(reps: list[tuple[int, str]]) -> list[SelectChoice]:
    return [SelectChoice(rep_id, name) for rep_id, name in reps]


class ActivityForm(FlaskForm):  # type: ignore[misc]
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.value) for k in REP_ACTIVITY_KINDS])
    subject = StringField("Subject", validators=[DataRequired(), Length(max=300)])
    body = TextAreaField("Details", validators=[Optional(), Length(max=5000)])


class NewLeadForm(FlaskForm):  # type: ignore[misc]
    """Checked again by capture_lead, which names each wrong field in the same words."""

    name = StringField("Name", validators=[Optional(), Length(max=200)])
    email = StringField("Email", validators=[Optional(), Length(max=320)])
    company = StringField("Company", validators=[Optional(), Length(max=200)])
    title = StringField("Job title", validators=[Optional(), Length(max=200)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    industry = StringField("Industry", validators=[Optional(), Length(max=100)])
    company_size = StringField("Employees", validators=[Optional(), Length(max=12)])
    country = StringField("Country (two letters)", validators=[Optional(), Length(max=2)])

    def details(self) -> dict[str, str]:
        return {
            name: getattr(self, name).data or ""
            for name in ("title", "phone", "industry", "company_size", "country")
        }


class ConvertForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Opportunity name", validators=[Optional(), Length(max=200)])
    amount = DecimalField(
        "Amount", places=2, default=Decimal("0"), validators=[Optional(), NumberRange(min=0)]
    )
    currency = StringField("Currency", default="EUR", validators=[DataRequired(), Length(3, 3)])

    def terms(self) -> DealTerms:
        return DealTerms(
            self.name.data or "", self.amount.data or Decimal("0"), self.currency.data or "EUR"
        )


class DisqualifyForm(FlaskForm):  # type: ignore[misc]
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])


class AssignForm(FlaskForm):  # type: ignore[misc]
    owner_id = SelectField("Owner", coerce=int)


class ScoringRuleForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    kind = SelectField("Kind", choices=_choices("fit", "behaviour"))
    field = SelectField(
        "Field (a lead field for fit, an activity for behaviour)",
        choices=_choices(*OPERATORS, *BEHAVIOUR_KINDS),
    )
    operator = SelectField(
        "Operator (fit)",
        choices=[SelectChoice("", "—"), *_choices("contains", "equals", "between", "is")],
    )
    value = StringField(
        "Value (fit): words, 10-200, free or company", validators=[Optional(), Length(max=200)]
    )
    points = IntegerField(
        "Points", validators=[DataRequired(message="a whole number"), NumberRange(-1000, 1000)]
    )
    half_life_days = IntegerField(
        "Half-life in days (behaviour; empty: no decay)",
        validators=[Optional(), NumberRange(min=1, max=3650)],
    )

    def spec(self) -> RuleSpec:
        return RuleSpec(
            self.name.data or "",
            self.kind.data,
            self.field.data,
            self.operator.data or "",
            self.value.data or "",
            self.points.data or 0,
            self.half_life_days.data,
        )


class TerritoryForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    owner_id = SelectField("Rep", coerce=int)
    country = StringField("Country (two letters)", validators=[Optional(), Length(2, 2)])
    industry = StringField("Industry", validators=[Optional(), Length(max=100)])
    min_size = IntegerField("Company size from", validators=[Optional(), NumberRange(min=0)])
    max_size = IntegerField("Company size to", validators=[Optional(), NumberRange(min=0)])

    def territory(self) -> Territory:
        return Territory(
            self.name.data or "",
            self.owner_id.data,
            self.country.data or None,
            self.industry.data or None,
            self.min_size.data,
            self.max_size.data,
        )
