"""Carrying out a rule's actions on one request, through the desk's own operations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crm_core.db import UnitOfWork
from servicedesk.desk import events, operations
from servicedesk.desk.automation.macros import render_macro
from servicedesk.desk.automation.models import Macro, WebhookCall
from servicedesk.desk.automation.rules import Action, AutomationSpec
from servicedesk.desk.models import Agent, Priority, ServiceRequest, Status, Team

# Replies and notes written by rules carry this author (an account nobody signs in with).
AUTOMATION_EMAIL = "automation@servicedesk.invalid"
NO_PASSWORD = "!"  # noqa: S105 (no hash matches it: nobody signs in as the automation)


@dataclass
class Context:
    uow: UnitOfWork
    request: ServiceRequest
    spec: AutomationSpec


def automation_agent(uow: UnitOfWork) -> Agent:
    """The author of automated replies and notes (created on first use, never active)."""
    session = uow.session
    agent = session.scalars(select(Agent).where(Agent.email == AUTOMATION_EMAIL)).first()
    if agent is None:
        agent = Agent(
            email=AUTOMATION_EMAIL,
            name="Automation",
            password_hash=NO_PASSWORD,
            roles=[],
            is_active=False,
        )
        session.add(agent)
        session.flush()
    return agent


def would_change(request: ServiceRequest, action: Action) -> bool:
    """Whether the action changes the request (set_* and tags can be no-ops)."""
    value = action.value
    match action.kind:
        case "set_status":
            return bool(request.status.value != value)
        case "set_priority":
            return bool(request.priority.value != value)
        case "set_category":
            return bool(request.category != value)
        case "add_tag":
            return value not in request.tags
        case "remove_tag":
            return value in request.tags
    return True


def apply(ctx: Context, action: Action) -> None:
    """Do one action; a value that names nothing raises ValueError naming it."""
    uow, request, value = ctx.uow, ctx.request, action.value
    match action.kind:
        case "set_status":
            operations.change_status(uow, request.id, Status(value))
        case "set_priority":
            operations.update_request(uow, request.id, None, priority=Priority(value))
        case "set_category":
            operations.update_request(uow, request.id, None, category=str(value))
        case "add_tag" | "remove_tag":
            _tags(ctx, action.kind, str(value))
        case "assign":
            _assign(ctx, value)
        case "reply":
            agent = automation_agent(uow)
            operations.post_reply(
                uow, request.id, agent.id, render_macro(_macro(ctx, value), request, agent)
            )
        case "note":
            operations.add_note(uow, request.id, automation_agent(uow).id, str(value))
        case "notify":
            _notify(ctx, value)
        case "webhook":
            _webhook(ctx, value)


def _tags(ctx: Context, kind: str, tag: str) -> None:
    tags = [t for t in ctx.request.tags if t != tag]
    if kind == "add_tag":
        tags.append(tag)
    operations.update_request(ctx.uow, ctx.request.id, None, tags=tags)


def _assign(ctx: Context, value: Any) -> None:
    session = ctx.uow.session
    spec = value if isinstance(value, dict) else {"team": value}
    team_id = agent_id = None
    if spec.get("team"):
        team = session.scalars(select(Team).where(Team.name == spec["team"])).first()
        if team is None:
            raise ValueError(f"assign: no team named {spec['team']!r}")
        team_id = team.id
    if spec.get("agent"):
        agent = session.scalars(select(Agent).where(Agent.email == spec["agent"])).first()
        if agent is None:
            raise ValueError(f"assign: no agent {spec['agent']!r}")
        agent_id = agent.id
    operations.assign_request(
        ctx.uow, ctx.request.id, agent_id, team_id=team_id, keep_team=team_id is None
    )


def _macro(ctx: Context, value: Any) -> str:
    """The canned reply named (by name or shortcut), or the action's own text."""
    if isinstance(value, dict) and "text" in value:
        return str(value["text"])
    name = str(value.get("macro") if isinstance(value, dict) else value)
    macro = ctx.uow.session.scalars(
        select(Macro).where((Macro.name == name) | (Macro.shortcut == name))
    ).first()
    if macro is None:
        raise ValueError(f"reply: no canned reply {name!r}")
    return macro.body


def _notify(ctx: Context, value: Any) -> None:
    request = ctx.request
    ids: list[int] = []
    for who in value if isinstance(value, list) else [value]:
        if who == "assignee" and request.assignee_id:
            ids.append(request.assignee_id)
        elif who == "team_lead" and request.team is not None and request.team.lead_id:
            ids.append(request.team.lead_id)
        elif isinstance(who, str) and "@" in who:
            agent = ctx.uow.session.scalars(select(Agent).where(Agent.email == who)).first()
            if agent is not None:
                ids.append(agent.id)
    if ids:
        text = f"{ctx.spec.name}: {request.reference} {request.subject}"
        ctx.uow.events.append(events.AgentsNotified(request.id, tuple(dict.fromkeys(ids)), text))


def _webhook(ctx: Context, value: Any) -> None:
    url = str(value.get("url") if isinstance(value, dict) else value)
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"webhook: {url!r} is not an http(s) URL")
    request = ctx.request
    call = WebhookCall(
        request_id=request.id,
        url=url,
        payload={
            "rule": ctx.spec.name,
            "request": {
                "id": request.id,
                "reference": request.reference,
                "subject": request.subject,
                "status": request.status.value,
                "priority": request.priority.value,
                "channel": request.channel,
                "category": request.category,
                "tags": list(request.tags),
            },
        },
    )
    ctx.uow.session.add(call)
    ctx.uow.session.flush()
    ctx.uow.events.append(events.WebhookRequested(call.id))
