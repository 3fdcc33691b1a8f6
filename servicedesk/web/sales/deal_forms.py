"""Forms of the deal, product and order pages."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from crm_core.orders.catalogue import ProductDraft
from crm_core.sales.models import ForecastCategory
from crm_core.sales.opportunities import DealDraft, DealLine


def _owner(value: object) -> int | None:
    """The owner select's value: an agent id, or None for "unassigned"."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


CATEGORY_CHOICES = [SelectChoice(c.value, c.value.replace("_", " ")) for c in ForecastCategory]


def parse_lines(text: str) -> list[tuple[str, int]]:
    """ "SKU quantity" per line (quantity 1 when left out) into pairs; ValueError names the line."""
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = raw.split()
        if not parts:
            continue
        quantity = parts[1] if len(parts) > 1 else "1"
        if len(parts) > 2 or not quantity.isdigit() or int(quantity) < 1:
            raise ValueError(f"line {number}: write SKU then a quantity, e.g. PLAN-TEAM 5")
        found.append((parts[0], int(quantity)))
    return found


class DealForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    amount = DecimalField(
        "Amount (empty: the sum of the products)",
        places=2,
        validators=[Optional(), NumberRange(min=0)],
    )
    currency = StringField("Currency", default="EUR", validators=[DataRequired(), Length(3, 3)])
    expected_close = DateField("Expected close", validators=[Optional()])
    # Choices are the desk's agents, set by the view; the operation checks the scope.
    owner_id = SelectField("Owner", coerce=_owner, validate_choice=False)
    next_step = StringField("Next step", validators=[Optional(), Length(max=300)])
    forecast_category = SelectField("Forecast category", choices=CATEGORY_CHOICES)
    probability = FloatField(
        "Probability override (0-1; empty: the stage's)",
        validators=[Optional(), NumberRange(min=0, max=1)],
    )
    customer_id = IntegerField("Customer id", validators=[Optional()])
    products = TextAreaField("Products: SKU and quantity per line", validators=[Optional()])

    def validate_products(self, field: TextAreaField) -> None:
        try:
            parse_lines(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def offer_owners(self, names: dict[int, str]) -> None:
        self.owner_id.choices = [SelectChoice("", "unassigned")] + [
            SelectChoice(str(agent_id), name)
            for agent_id, name in sorted(names.items(), key=lambda i: i[1])
        ]

    def to_draft(self, product_ids: dict[str, int]) -> DealDraft:
        lines = tuple(
            DealLine(product_ids.get(sku, -1), quantity)
            for sku, quantity in parse_lines(self.products.data or "")
        )
        return DealDraft(
            name=self.name.data or "",
            amount=self.amount.data,
            currency=(self.currency.data or "EUR").upper(),
            expected_close=self.expected_close.data,
            owner_id=self.owner_id.data,
            next_step=self.next_step.data or "",
            forecast_category=ForecastCategory(self.forecast_category.data),
            probability=self.probability.data,
            customer_id=self.customer_id.data,
            lines=lines,
        )


class ProductForm(FlaskForm):  # type: ignore[misc]
    sku = StringField("SKU", validators=[DataRequired(), Length(max=64)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    price = DecimalField("Price", places=2, validators=[DataRequired(), NumberRange(min=0)])
    currency = StringField("Currency", default="EUR", validators=[DataRequired(), Length(3, 3)])
    tax_rate = DecimalField(
        "Tax rate (%)", places=2, default=Decimal(0), validators=[Optional(), NumberRange(0, 100)]
    )
    active = BooleanField("Active", default=True)

    def to_draft(self) -> ProductDraft:
        return ProductDraft(
            sku=self.sku.data or "",
            name=self.name.data or "",
            price=self.price.data or Decimal(0),
            currency=self.currency.data or "EUR",
            tax_rate=self.tax_rate.data or Decimal(0),
            active=bool(self.active.data),
        )


class OrderForm(FlaskForm):  # type: ignore[misc]
    customer_id = IntegerField("Customer id", validators=[DataRequired()])
    currency = StringField("Currency", default="EUR", validators=[DataRequired(), Length(3, 3)])
    products = TextAreaField("Products: SKU and quantity per line", validators=[DataRequired()])

    def validate_products(self, field: TextAreaField) -> None:
        try:
            parse_lines(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from error


class PaymentForm(FlaskForm):  # type: ignore[misc]
    amount = DecimalField("Amount", places=2, validators=[DataRequired(), NumberRange(min=0.01)])
    method = StringField("Method", validators=[Optional(), Length(max=40)])
    reference = StringField("Reference", validators=[Optional(), Length(max=120)])


class ShipmentForm(FlaskForm):  # type: ignore[misc]
    carrier = StringField("Carrier", validators=[Optional(), Length(max=60)])
    tracking_number = StringField("Tracking number", validators=[DataRequired(), Length(max=120)])
