"""The CRM's view of a signed-in agent: their roles and the agents of their teams."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from servicedesk.desk.models import Agent, team_members


def viewer_of(session: Session, agent: Agent) -> Viewer:
    """Build the `Viewer` that scoped CRM operations are handed for this agent."""
    my_teams = select(team_members.c.team_id).where(team_members.c.agent_id == agent.id)
    teammates = session.scalars(
        select(team_members.c.agent_id).where(team_members.c.team_id.in_(my_teams))
    )
    return Viewer(
        user_id=agent.id,
        roles=frozenset(agent.roles),
        teammate_ids=frozenset({agent.id, *teammates}),
        name=agent.name,
    )
