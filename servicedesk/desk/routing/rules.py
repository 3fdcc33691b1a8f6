"""Admin rules that override the model: ordered conditions, first match per field wins.

Facts are a flat mapping: `channel`, `sender_domain`, `subject`, `text`, and customer
fields as `customer.vip`, `customer.tier`, ... A rule matches when all its conditions do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
            return any(str(v).lower() in text for v in _as_list(self.value))
        if self.op == "in":
            return text in {str(v).lower() for v in _as_list(self.value)}
        if self.op == "matches":
            return re.search(str(self.value), str(actual), re.IGNORECASE) is not None
        raise ValueError(f"unknown rule operator {self.op!r}")


@dataclass(frozen=True)
class Rule:
    """A named rule: when every condition holds, set the given fields."""

    name: str
    conditions: tuple[Condition, ...]
    category: str | None = None
    priority: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class RuleOutcome:
    """Fields set by rules, and which rule set each one."""

    values: dict[str, str] = field(default_factory=dict)
    set_by: dict[str, str] = field(default_factory=dict)


def evaluate_rules(rules: Sequence[Rule], facts: Mapping[str, Any]) -> RuleOutcome:
    """Walk the rules in order; the first matching rule to set a field decides it."""
    outcome = RuleOutcome()
    for rule in rules:
        if not all(condition.holds(facts) for condition in rule.conditions):
            continue
        for name in ("category", "priority", "team"):
            value = getattr(rule, name)
            if value is not None and name not in outcome.values:
                outcome.values[name] = value
                outcome.set_by[name] = rule.name
    return outcome


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """A rule from its stored JSON form (as edited in the console)."""
    conditions = tuple(
        Condition(c["fact"], c["op"], c.get("value")) for c in data.get("conditions", [])
    )
    for condition in conditions:
        if condition.op not in OPERATORS:
            raise ValueError(f"rule {data.get('name')!r}: unknown operator {condition.op!r}")
    return Rule(
        name=str(data["name"]),
        conditions=conditions,
        category=data.get("category"),
        priority=data.get("priority"),
        team=data.get("team"),
    )


# Sensible defaults until an admin edits the list: outages and refunds are urgent, VIPs high.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        "outage",
        (
            Condition(
                "text",
                "contains",
                ["outage", "is down", "not working at all", "service down", "production down"],
            ),
        ),
        priority="urgent",
    ),
    Rule(
        "refund",
        (Condition("text", "contains", ["refund", "chargeback", "charged twice"]),),
        priority="high",
    ),
    Rule("vip", (Condition("customer.vip", "is_true"),), priority="high"),
    Rule(
        "enterprise tier",
        (Condition("customer.tier", "in", ["enterprise", "premium"]),),
        priority="high",
    ),
)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set) else [value]
