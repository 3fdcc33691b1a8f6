"""Rules as admins write them (YAML or the console), checked; pure, no database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from servicedesk.desk.conditions import Condition, conditions_from_dicts

EVENTS = ("created", "updated", "timed")
ACTIONS = (
    "set_status",
    "set_priority",
    "set_category",
    "assign",
    "add_tag",
    "remove_tag",
    "reply",
    "note",
    "notify",
    "webhook",
)
# Time-based rules: which requests wait how long in which state.
WAITS = ("solved", "pending", "unassigned")


@dataclass(frozen=True)
class Action:
    kind: str
    value: Any = None


@dataclass(frozen=True)
class AutomationSpec:
    """A trigger (on created/updated) or a time-based rule (on timed, with a wait)."""

    name: str
    on: str
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    wait: str | None = None  # timed: solved | pending | unassigned
    minutes: int = 0  # timed: how long in that state
    business_calendar: str | None = None  # timed: count open hours of this calendar


def spec_from_dict(data: Mapping[str, Any]) -> AutomationSpec:
    """A rule from its stored form; errors name the rule and the field."""
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValueError("automation: a name is required")
    on = str(data.get("on") or "")
    if on not in EVENTS:
        raise ValueError(f"automation {name!r}: on must be one of {', '.join(EVENTS)}")
    actions = []
    for item in data.get("actions") or []:
        if not isinstance(item, Mapping) or len(item) != 1:
            raise ValueError(f"automation {name!r}: each action is one 'kind: value' pair")
        ((kind, value),) = item.items()
        if kind not in ACTIONS:
            raise ValueError(f"automation {name!r}: unknown action {kind!r}")
        actions.append(Action(str(kind), value))
    if not actions:
        raise ValueError(f"automation {name!r}: actions: at least one")
    wait, minutes = data.get("wait"), int(data.get("minutes") or 0)
    if on == "timed" and (wait not in WAITS or minutes <= 0):
        raise ValueError(
            f"automation {name!r}: a timed rule needs wait ({', '.join(WAITS)}) and minutes > 0"
        )
    return AutomationSpec(
        name,
        on,
        conditions_from_dicts(data.get("conditions") or [], f"automation {name!r}"),
        tuple(actions),
        wait=str(wait) if wait else None,
        minutes=minutes,
        business_calendar=data.get("business_calendar"),
    )
