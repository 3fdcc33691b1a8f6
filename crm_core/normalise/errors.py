"""The one error type of normalisation."""

from __future__ import annotations


class InvalidValue(ValueError):
    """A value that cannot be standardised; names the field, the value and why."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason} ({value!r})")
