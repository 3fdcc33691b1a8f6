"""Money columns and arithmetic: exact decimals, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Numeric

# Twelve digits before the point, two after; an amount is in its row's currency.
Money = Numeric(14, 2, asdecimal=True)
CENT = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to cents the way invoices do (half up), from a number or its text."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
