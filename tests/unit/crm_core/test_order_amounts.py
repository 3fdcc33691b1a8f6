"""Order line amounts: rounded half up per line, never more than half a cent from exact."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.orders.operations import line_amounts

prices = st.decimals(min_value=0, max_value=10_000, places=2)
rates = st.sampled_from([Decimal(r) for r in ("0", "5", "7", "7.7", "19", "20", "21", "25.5")])


@settings(max_examples=100, deadline=None)
@given(quantity=st.integers(1, 1000), price=prices, rate=rates)
def test_line_amounts_are_exact_to_half_a_cent(
    quantity: int, price: Decimal, rate: Decimal
) -> None:
    total, tax = line_amounts(quantity, price, rate)
    assert total == quantity * price  # cents times a whole number stay cents
    exact_tax = total * rate / 100
    assert abs(tax - exact_tax) <= Decimal("0.005")
    assert tax.as_tuple().exponent == -2


def test_half_a_cent_rounds_up() -> None:
    assert line_amounts(1, Decimal("0.50"), Decimal("5")) == (Decimal("0.50"), Decimal("0.03"))
    assert line_amounts(1, Decimal("0.70"), Decimal("5")) == (Decimal("0.70"), Decimal("0.04"))
