"""A workflow's definition: its trigger settings, a tree of steps, its exit conditions.

Stored as JSON and checked by `check_definition` before it is saved; every problem is
reported with the step (by number, as the editor shows it) and the field it is about.

    {"trigger": {"stage": "customer"},
     "steps": [{"id": "s1", "type": "tag", "tag": "welcome"},
               {"id": "s2", "type": "wait", "days": 2, "hours": 0},
               {"id": "s3", "type": "branch", "condition": "opened = 4",
                "yes": [...steps], "no": [...steps]}],
     "exit": {"unsubscribed": true, "converted": true, "rules": "stage = churned"}}

After the last step of a branch's arm the flow goes on after the branch.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from crm_core.campaigns.segments import COMPILERS, SegmentError, parse_rules
from crm_core.customers.models import LifecycleStage


class TriggerKind(enum.StrEnum):
    FORM_SUBMITTED = "form_submitted"
    STAGE_CHANGED = "stage_changed"
    LEAD_SCORE = "lead_score"  # a lead's score crossed a threshold upwards
    REQUEST_SOLVED = "request_solved"
    TAG_ADDED = "tag_added"


STEP_TYPES = ("wait", "email", "tag", "field", "assign", "notify", "branch")
MAX_STEPS = 200
MAX_WAIT_DAYS = 365
_STEP_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# Customer fields an "update field" step may set; `custom:KEY` sets a custom field.
FIELDS = ("vip", "tier")


class WorkflowInvalid(ValueError):
    """The definition cannot be saved; `errors` name the step and field of each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Located:
    """A step with where it sits: its number as shown ("3", "3.yes.1") and what follows."""

    step: dict[str, Any]
    label: str
    after: str | None  # the id of the step the flow goes to when this one is done


def walk(
    steps: list[dict[str, Any]], prefix: str = "", after: str | None = None
) -> Iterator[Located]:
    """Every step of the tree, depth first, each with the step that follows it."""
    for index, step in enumerate(steps):
        following = steps[index + 1]["id"] if index + 1 < len(steps) else after
        label = f"{prefix}{index + 1}"
        yield Located(step, label, following)
        if step.get("type") == "branch":
            for arm in ("yes", "no"):
                yield from walk(step.get(arm) or [], f"{label}.{arm}.", following)


def step_index(definition: dict[str, Any]) -> dict[str, Located]:
    """The steps by id."""
    return {located.step["id"]: located for located in walk(definition.get("steps") or [])}


def first_step(steps: list[dict[str, Any]], after: str | None) -> str | None:
    """Where a list of steps starts (`after` when it is empty)."""
    return steps[0]["id"] if steps else after


def _text(step: dict[str, Any], name: str) -> str:
    value = step.get(name)
    return value.strip() if isinstance(value, str) else ""


def _positive_int(step: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = step.get(name)
    if value in (None, "") and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{name}: a whole number is needed")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a whole number") from None
    if number < (0 if not required else 1):
        raise ValueError(f"{name}: must be {'at least 1' if required else 'positive'}")
    return number


def _check_wait(step: dict[str, Any], _refs: References) -> None:
    days = _positive_int(step, "days", required=False) or 0
    hours = _positive_int(step, "hours", required=False) or 0
    minutes = _positive_int(step, "minutes", required=False) or 0
    if days * 1440 + hours * 60 + minutes <= 0:
        raise ValueError("days: a wait needs a duration (days, hours or minutes)")
    if days > MAX_WAIT_DAYS:
        raise ValueError(f"days: at most {MAX_WAIT_DAYS}")


def _check_email(step: dict[str, Any], refs: References) -> None:
    campaign_id = _positive_int(step, "campaign_id")
    problem = refs.campaign(campaign_id or 0)
    if problem:
        raise ValueError(f"campaign_id: {problem}")


def _check_tag(step: dict[str, Any], _refs: References) -> None:
    if not _text(step, "tag"):
        raise ValueError("tag: the tag to add is missing")
    if len(_text(step, "tag")) > 60:
        raise ValueError("tag: at most 60 characters")


def _check_field(step: dict[str, Any], _refs: References) -> None:
    name = _text(step, "field")
    if name not in FIELDS and not (name.startswith("custom:") and len(name) > 7):
        raise ValueError(f"field: one of {', '.join(FIELDS)} or custom:KEY")
    if not isinstance(step.get("value", ""), str):
        raise ValueError("value: text is needed")


def _check_assign(step: dict[str, Any], refs: References) -> None:
    problem = refs.agent(_positive_int(step, "agent_id") or 0)
    if problem:
        raise ValueError(f"agent_id: {problem}")


def _check_notify(step: dict[str, Any], refs: References) -> None:
    agent_id = _positive_int(step, "agent_id", required=False)
    problem = refs.agent(agent_id) if agent_id else None
    if problem:
        raise ValueError(f"agent_id: {problem}")
    if not _text(step, "text"):
        raise ValueError("text: the message is missing")
    if len(_text(step, "text")) > 1000:
        raise ValueError("text: at most 1000 characters")


def _check_rules(text: str, refs: References) -> None:
    """Segment rules that parse and name known fields (SegmentError otherwise)."""
    for rule in parse_rules(text):
        if rule.field not in refs.rule_fields:
            known = ", ".join(sorted(refs.rule_fields))
            raise SegmentError(f"unknown field {rule.field!r}; known: {known}")


def _check_branch(step: dict[str, Any], refs: References) -> None:
    condition = _text(step, "condition")
    if not condition:
        raise ValueError("condition: a segment rule is needed (e.g. opened = 4)")
    try:
        _check_rules(condition, refs)
    except SegmentError as error:
        raise ValueError(f"condition: {error}") from None
    for arm in ("yes", "no"):
        if not isinstance(step.get(arm, []), list):
            raise ValueError(f"{arm}: a list of steps is needed")


@dataclass(frozen=True)
class References:
    """Answers whether ids a step names exist: None when fine, else what is wrong."""

    campaign: Callable[[int], str | None]
    agent: Callable[[int], str | None]
    rule_fields: frozenset[str] = frozenset(COMPILERS)  # what branch and exit rules may use


CHECKS: dict[str, Callable[[dict[str, Any], References], None]] = {
    "wait": _check_wait,
    "email": _check_email,
    "tag": _check_tag,
    "field": _check_field,
    "assign": _check_assign,
    "notify": _check_notify,
    "branch": _check_branch,
}


def check_definition(trigger: str, definition: Any, refs: References) -> dict[str, Any]:
    """The definition, cleaned, or `WorkflowInvalid` listing every problem found."""
    errors: list[str] = []
    if trigger not in set(TriggerKind):
        errors.append(f"trigger: one of {', '.join(TriggerKind)}")
    if not isinstance(definition, dict):
        raise WorkflowInvalid(["definition: a JSON object is needed"])
    settings = definition.get("trigger") or {}
    if not isinstance(settings, dict):
        errors.append("trigger: settings must be an object")
        settings = {}
    elif trigger in set(TriggerKind):
        errors += _trigger_errors(TriggerKind(trigger), settings)
    steps = definition.get("steps")
    if not isinstance(steps, list) or not steps:
        errors.append("steps: a workflow needs at least one step")
        steps = []
    errors += _step_errors(steps, refs)
    exits = definition.get("exit") or {}
    errors += _exit_errors(exits, refs)
    if errors:
        raise WorkflowInvalid(errors)
    return {"trigger": settings, "steps": steps, "exit": exits}


def _trigger_errors(kind: TriggerKind, settings: dict[str, Any]) -> list[str]:
    try:
        if kind == TriggerKind.STAGE_CHANGED and settings.get("stage"):
            LifecycleStage(str(settings["stage"]).lower())
        if kind == TriggerKind.LEAD_SCORE:
            _positive_int(settings, "threshold")
        if kind == TriggerKind.TAG_ADDED and not _text(settings, "tag"):
            raise ValueError("tag: which tag enrols the customer")
    except ValueError as error:
        message = str(error)
        if "LifecycleStage" in message:
            known = ", ".join(s.value for s in LifecycleStage)
            message = f"stage: one of {known}"
        return [f"trigger: {message}"]
    return []


def _step_errors(steps: list[Any], refs: References, prefix: str = "") -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    count = 0
    pending = [(steps, prefix)]
    while pending:
        current, where = pending.pop()
        for index, step in enumerate(current):
            count += 1
            label = f"step {where}{index + 1}"
            problem = _step_problem(step, seen, refs)
            if problem:
                errors.append(f"{label} ({_kind(step)}): {problem}")
            if isinstance(step, dict) and step.get("type") == "branch":
                for arm in ("yes", "no"):
                    if isinstance(step.get(arm), list):
                        pending.append((step[arm], f"{where}{index + 1}.{arm}."))
    if count > MAX_STEPS:
        errors.append(f"steps: at most {MAX_STEPS}")
    return errors


def _kind(step: Any) -> str:
    return str(step.get("type", "?")) if isinstance(step, dict) else "?"


def _step_problem(step: Any, seen: set[str], refs: References) -> str | None:
    if not isinstance(step, dict):
        return "a step must be an object"
    step_id = step.get("id")
    if not isinstance(step_id, str) or not _STEP_ID.match(step_id):
        return "id: letters, digits, - or _ (at most 40)"
    if step_id in seen:
        return f"id: {step_id!r} is used twice"
    seen.add(step_id)
    check = CHECKS.get(str(step.get("type")))
    if check is None:
        return f"type: one of {', '.join(STEP_TYPES)}"
    try:
        check(step, refs)
    except ValueError as error:
        return str(error)
    return None


def _exit_errors(exits: Any, refs: References) -> list[str]:
    if not isinstance(exits, dict):
        return ["exit: settings must be an object"]
    rules = exits.get("rules") or ""
    if not isinstance(rules, str):
        return ["exit rules: text is needed"]
    try:
        _check_rules(rules, refs)
    except SegmentError as error:
        return [f"exit rules: {error}"]
    return []


def wait_minutes(step: dict[str, Any]) -> int:
    """A wait step's duration in minutes."""
    parts = (step.get("days"), step.get("hours"), step.get("minutes"))
    days, hours, minutes = (int(p or 0) for p in parts)
    return days * 1440 + hours * 60 + minutes
