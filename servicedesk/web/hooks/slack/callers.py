"""Who is calling a command or pressing a button: a desk user mapped from their Slack user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_core.access import Viewer
from servicedesk.desk.models import Agent
from servicedesk.desk.viewers import viewer_of
from servicedesk.web.hooks.slack.context import Hook

# Roles that may use the commands at all; sales data needs SALES_ROLES.
DESK_ROLES = frozenset({"admin", "agent", "sales"})
SALES_ROLES = frozenset({"admin", "sales"})
REFUSAL = (
    "Sorry, these commands are for the support and sales team. Your Slack account is not "
    "linked to a desk account; an admin can link it on the Slack users page."
)


@dataclass(frozen=True)
class Caller:
    """A desk user acting from Slack."""

    agent_id: int
    name: str
    roles: frozenset[str]
    viewer: Viewer
    slack_user: str

    def may(self, roles: frozenset[str]) -> bool:
        return bool(self.roles & roles)


def caller_of(hook: Hook, body: dict[str, Any]) -> Caller | None:
    """The active desk user behind the request's Slack user, or None (refuse them)."""
    user_id, workspace = _user_and_workspace(body)
    if not user_id:
        return None
    profile = hook.adapter.directory.profile(user_id, workspace)
    if profile.agent_id is None:
        return None
    with hook.container.uow() as uow:
        agent = uow.session.get(Agent, profile.agent_id)
        if agent is None or not agent.is_active or not DESK_ROLES & set(agent.roles):
            return None
        viewer = viewer_of(uow.session, agent)
        return Caller(agent.id, agent.name, frozenset(agent.roles), viewer, user_id)


def _user_and_workspace(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """Commands carry user_id/team_id; interactivity payloads carry user and team objects."""
    if "user_id" in body:
        return body.get("user_id"), body.get("team_id")
    user, team = body.get("user") or {}, body.get("team") or {}
    return user.get("id"), team.get("id") or user.get("team_id")
