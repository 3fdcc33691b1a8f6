"""The contract form and the request page's "log time" form."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm_core.contracts.models import Contract, ContractStatus
from crm_core.contracts.operations import ContractDraft
from crm_core.contracts.terms import CHANNELS

STATUSES = [SelectChoice(s.value, s.value) for s in ContractStatus if s != ContractStatus.EXPIRED]


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ContractForm(FlaskForm):
    number = StringField("Number", validators=[DataRequired(), Length(max=40)])
    organization_id = IntegerField("Organisation id", validators=[Optional()])
    customer_id = IntegerField("Customer id (a person's own contract)", validators=[Optional()])
    contact_id = IntegerField("Contact (customer id, of the organisation)", validators=[Optional()])
    status = SelectField("Status", choices=STATUSES, default=ContractStatus.DRAFT.value)
    starts_on = DateField("Starts on", validators=[DataRequired()])
    ends_on = DateField("Ends on", validators=[DataRequired()])
    sla_tier = StringField("SLA tier (SLA policies match contract.sla_tier)", [Length(max=40)])
    incidents_included = IntegerField(
        "Incidents included (empty: unlimited)", validators=[Optional(), NumberRange(min=0)]
    )
    support_hours = DecimalField(
        "Support hours included (empty: unlimited)",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100_000)],
    )
    channels = CheckboxesField(
        "Channels covered (none ticked: every channel)",
        choices=[SelectChoice(c, c) for c in CHANNELS],
    )
    product_ids = CheckboxesField("Products covered", coerce=int, choices=[])
    renewal_on = DateField("Renewal date (empty: the end date)", validators=[Optional()])
    remind_days = StringField("Remind the owner, days before renewal (e.g. 30, 7)")
    owner_id = SelectField("Owner", coerce=int, choices=[])
    notes = TextAreaField("Notes", validators=[Length(max=5000)])

    def to_draft(self) -> ContractDraft:
        """The form as a draft; a ValueError names a field the validators cannot check."""
        hours = self.support_hours.data
        return ContractDraft(
            number=self.number.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            customer_id=self.customer_id.data,
            organization_id=self.organization_id.data,
            contact_id=self.contact_id.data,
            status=ContractStatus(self.status.data),
            sla_tier=self.sla_tier.data or "",
            incidents_included=self.incidents_included.data,
            minutes_included=None if hours is None else int(hours * 60),
            channels=list(self.channels.data or []),
            product_ids=list(self.product_ids.data or []),
            renewal_on=self.renewal_on.data,
            remind_days=parse_days(self.remind_days.data or ""),
            owner_id=self.owner_id.data or None,
            notes=self.notes.data or "",
        )

    def fill(self, contract: Contract) -> None:
        """Show a stored contract for editing."""
        self.process(obj=contract)
        self.status.data = contract.status.value
        minutes = contract.minutes_included
        self.support_hours.data = None if minutes is None else Decimal(minutes) / 60
        self.product_ids.data = [p.id for p in contract.products]
        self.remind_days.data = ", ".join(map(str, contract.remind_days or []))
        self.owner_id.data = contract.owner_id or 0


def parse_days(text: str) -> list[int]:
    """`30, 7` -> [30, 7]; a ValueError names the field."""
    days: list[int] = []
    for part in text.replace(";", ",").split(","):
        if part.strip():
            if not part.strip().isdigit():
                raise ValueError(f"remind_days: {part.strip()!r} is not a number of days")
            days.append(int(part))
    return days


class TimeForm(FlaskForm):
    minutes = IntegerField("Minutes spent", validators=[DataRequired(), NumberRange(1, 1440)])
    note = StringField("What for", validators=[Optional(), Length(max=300)])
