"""The condition language shared by routing rules, SLA policies and automations.

Facts are a flat mapping (`channel`, `priority`, `customer.tier`, ...). A condition tests
one fact with one operator; a rule, policy or trigger matches when all its conditions hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

OPERATORS = ("equals", "contains", "in", "matches", "is_true")


@dataclass(frozen=True)
class Condition:
    """`fact` `op` `value`, e.g. ("subject", "contains", "outage")."""

    fact: str
    op: str
    value: Any = None

    def holds(self, facts: Mapping[str, Any]) -> bool:
        actual = facts.get(self.fact)
        if self.op == "is_true":
            return bool(actual)
        if actual is None:
            return False
        text = str(actual).lower()
        if self.op == "equals":
            return text == str(self.value).lower()
        if self.op == "contains":
            return any(str(v).lower() in text for v in as_list(self.value))
        if self.op == "in":
            return text in {str(v).lower() for v in as_list(self.value)}
        if self.op == "matches":
            return re.search(str(self.value), str(actual), re.IGNORECASE) is not None
        raise ValueError(f"unknown rule operator {self.op!r}")


def all_hold(conditions: Iterable[Condition], facts: Mapping[str, Any]) -> bool:
    """Whether every condition holds (no conditions: always)."""
    return all(condition.holds(facts) for condition in conditions)


def conditions_from_dicts(items: Iterable[Mapping[str, Any]], owner: str) -> tuple[Condition, ...]:
    """Conditions from their stored JSON form; an unknown operator names its owner."""
    conditions = tuple(Condition(c["fact"], c["op"], c.get("value")) for c in items)
    for condition in conditions:
        if condition.op not in OPERATORS:
            raise ValueError(f"{owner}: unknown operator {condition.op!r}")
    return conditions


def conditions_to_dicts(conditions: Iterable[Condition]) -> list[dict[str, Any]]:
    return [{"fact": c.fact, "op": c.op, "value": c.value} for c in conditions]


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set) else [value]


LIST_OPERATORS = ("contains", "in")


def parse_condition_lines(text: str) -> list[dict[str, Any]]:
    """`fact op value` lines (as admins type them) into the stored JSON form.

    Lists are comma separated for `contains` and `in`; a `ValueError` names the line.
    """
    conditions: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(None, 2)
        if len(parts) < 2 or parts[1] not in OPERATORS:
            raise ValueError(
                f"condition line {number}: write 'fact operator value' "
                f"with an operator among {', '.join(OPERATORS)}"
            )
        fact, op = parts[0], parts[1]
        raw = parts[2].strip() if len(parts) > 2 else ""
        if op != "is_true" and not raw:
            raise ValueError(f"condition line {number}: {op} needs a value")
        value: Any = raw
        if op in LIST_OPERATORS:
            value = [v.strip() for v in raw.split(",") if v.strip()]
        conditions.append({"fact": fact, "op": op, "value": value or None})
    return conditions


def format_condition_lines(items: Iterable[Mapping[str, Any]]) -> str:
    """Stored conditions back as editable lines."""
    lines = []
    for condition in items:
        value = condition.get("value")
        shown = ", ".join(map(str, value)) if isinstance(value, list) else (value or "")
        lines.append(f"{condition['fact']} {condition['op']} {shown}".rstrip())
    return "\n".join(lines)
