"""Saving rules and canned replies (console and `servicedesk automation load`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicedesk.desk.automation.macros import MacroError, check_macro, render_macro
from servicedesk.desk.automation.models import AutomationRule, Macro
from servicedesk.desk.automation.rules import spec_from_dict
from servicedesk.desk.models import Agent, ServiceRequest


class AutomationSetupError(ValueError):
    """A rule or canned reply cannot be saved as written; the message names the field."""


def save_rule(session: Session, data: Mapping[Any, Any]) -> AutomationRule:
    """Create or replace a rule by name (a new one goes last)."""
    # YAML 1.1 reads a bare `on:` key as the boolean true: take it as the `on` it meant.
    data = {("on" if key is True else key): value for key, value in data.items()}
    try:
        spec = spec_from_dict(data)
    except (ValueError, TypeError) as error:
        raise AutomationSetupError(str(error)) from error
    row = session.scalars(select(AutomationRule).where(AutomationRule.name == spec.name)).first()
    if row is None:
        last = session.scalar(select(func.max(AutomationRule.position))) or 0
        row = AutomationRule(name=spec.name, position=last + 1)
    if data.get("position") is not None:
        row.position = int(data["position"])
    row.enabled = bool(data.get("enabled", True))
    row.definition = {k: v for k, v in data.items() if k not in ("name", "enabled", "position")}
    session.add(row)
    session.flush()
    return row


def save_macro(session: Session, data: Mapping[str, Any]) -> Macro:
    """Create or replace a canned reply by name; the shortcut is one word."""
    name = str(data.get("name") or "").strip()
    shortcut = str(data.get("shortcut") or "").strip().lstrip("/")
    body = str(data.get("body") or "")
    if not name:
        raise AutomationSetupError("canned reply: a name is required")
    if not shortcut or not shortcut.replace("-", "").replace("_", "").isalnum():
        raise AutomationSetupError(
            f"canned reply {name!r}: shortcut is one word (letters, digits, - or _)"
        )
    if not body.strip():
        raise AutomationSetupError(f"canned reply {name!r}: body is empty")
    try:
        check_macro(body)
    except MacroError as error:
        raise AutomationSetupError(f"canned reply {name!r}: {error}") from error
    row = session.scalars(select(Macro).where(Macro.name == name)).first() or Macro(name=name)
    row.shortcut, row.body = shortcut, body
    session.add(row)
    session.flush()
    return row


def load_automation_file(session: Session, document: Mapping[str, Any]) -> tuple[int, int]:
    """`macros:` then `rules:` (in order) from a parsed YAML document."""
    if not isinstance(document, Mapping):
        raise AutomationSetupError("the file must map 'macros' and 'rules' to lists")
    macros = document.get("macros") or []
    rules = document.get("rules") or []
    for data in macros:
        save_macro(session, data)
    for position, data in enumerate(rules, start=1):
        save_rule(session, {"position": position, **data})
    return len(macros), len(rules)


def macros_for(
    session: Session, request: ServiceRequest, agent: Agent | None
) -> list[dict[str, str]]:
    """Every canned reply rendered for this request (the console's shortcut list)."""
    rendered = []
    for macro in session.scalars(select(Macro).order_by(Macro.name)):
        try:
            text = render_macro(macro.body, request, agent)
        except MacroError as error:
            text = f"({error})"
        rendered.append({"name": macro.name, "shortcut": macro.shortcut, "text": text})
    return rendered
