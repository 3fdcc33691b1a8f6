"""Admin rules that override the model: ordered conditions, first match per field wins.

Facts are a flat mapping: `channel`, `sender_domain`, `subject`, `text`, and customer
fields as `customer.vip`, `customer.tier`, ... A rule matches when all its conditions do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from servicedesk.desk.conditions import OPERATORS as OPERATORS
from servicedesk.desk.conditions import Condition as Condition
from servicedesk.desk.conditions import all_hold, conditions_from_dicts


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
        if not all_hold(rule.conditions, facts):
            continue
        for name in ("category", "priority", "team"):
            value = getattr(rule, name)
            if value is not None and name not in outcome.values:
                outcome.values[name] = value
                outcome.set_by[name] = rule.name
    return outcome


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """A rule from its stored JSON form (as edited in the console)."""
    conditions = conditions_from_dicts(data.get("conditions", []), f"rule {data.get('name')!r}")
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
