"""Editing the admin rules: list, create, edit, reorder, enable/disable.

Conditions are edited as text, one per line: `fact operator value`, e.g.
`subject contains outage, is down` (lists are comma separated for contains and in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicedesk.desk.conditions import format_condition_lines, parse_condition_lines
from servicedesk.desk.models import Priority
from servicedesk.desk.routing.models import RoutingRuleRow
from servicedesk.desk.routing.rules import Rule, rule_from_dict


class RuleError(ValueError):
    """A rule cannot be saved as written; the message names the problem."""


@dataclass(frozen=True)
class RuleDraft:
    """A rule as an admin writes it."""

    name: str
    conditions_text: str
    category: str | None = None
    priority: str | None = None
    team: str | None = None
    enabled: bool = True


def parse_conditions(text: str) -> list[dict[str, Any]]:
    """`fact op value` lines into the stored JSON form; errors name the line."""
    try:
        return parse_condition_lines(text)
    except ValueError as error:
        raise RuleError(str(error)) from error


def format_conditions(definition: dict[str, Any]) -> str:
    """The stored conditions back as editable lines."""
    return format_condition_lines(definition.get("conditions", []))


def to_rule(draft: RuleDraft) -> tuple[dict[str, Any], Rule]:
    """The JSON definition and the checked rule; a rule that sets nothing is refused."""
    definition: dict[str, Any] = {"conditions": parse_conditions(draft.conditions_text)}
    for name in ("category", "priority", "team"):
        value = (getattr(draft, name) or "").strip()
        if value:
            definition[name] = value
    if definition.get("priority", Priority.NORMAL.value) not in {p.value for p in Priority}:
        raise RuleError(f"priority must be one of {', '.join(p.value for p in Priority)}")
    if not any(name in definition for name in ("category", "priority", "team")):
        raise RuleError("a rule must set a category, a priority or a team")
    if not draft.name.strip():
        raise RuleError("a rule needs a name")
    try:
        rule = rule_from_dict({"name": draft.name.strip(), **definition})
    except (KeyError, ValueError) as error:
        raise RuleError(str(error)) from error
    return definition, rule


def all_rules(session: Session) -> list[RoutingRuleRow]:
    """Every rule in evaluation order, disabled ones included."""
    return list(
        session.scalars(select(RoutingRuleRow).order_by(RoutingRuleRow.position, RoutingRuleRow.id))
    )


def create_rule(session: Session, draft: RuleDraft) -> RoutingRuleRow:
    """Add a rule at the end of the list."""
    definition, _ = to_rule(draft)
    last = session.scalar(select(func.max(RoutingRuleRow.position))) or 0
    row = RoutingRuleRow(
        name=draft.name.strip(), definition=definition, enabled=draft.enabled, position=last + 1
    )
    session.add(row)
    session.flush()
    return row


def update_rule(session: Session, rule_id: int, draft: RuleDraft) -> RoutingRuleRow:
    """Replace a rule's name, conditions, outcome and enabled flag."""
    row = _get(session, rule_id)
    row.definition, _ = to_rule(draft)
    row.name = draft.name.strip()
    row.enabled = draft.enabled
    return row


def set_enabled(session: Session, rule_id: int, enabled: bool) -> RoutingRuleRow:
    row = _get(session, rule_id)
    row.enabled = enabled
    return row


def move_rule(session: Session, rule_id: int, offset: int) -> None:
    """Move a rule up (-1) or down (+1); positions are renumbered 1..n."""
    rows = all_rules(session)
    index = next((i for i, row in enumerate(rows) if row.id == rule_id), None)
    if index is None:
        raise RuleError(f"rule {rule_id} does not exist")
    target = min(max(index + offset, 0), len(rows) - 1)
    rows.insert(target, rows.pop(index))
    for position, row in enumerate(rows, start=1):
        row.position = position


def draft_of(row: RoutingRuleRow) -> RuleDraft:
    """A stored rule as the editor shows it."""
    return RuleDraft(
        name=row.name,
        conditions_text=format_conditions(row.definition),
        category=row.definition.get("category"),
        priority=row.definition.get("priority"),
        team=row.definition.get("team"),
        enabled=row.enabled,
    )


def _get(session: Session, rule_id: int) -> RoutingRuleRow:
    row = session.get(RoutingRuleRow, rule_id)
    if row is None:
        raise RuleError(f"rule {rule_id} does not exist")
    return row
