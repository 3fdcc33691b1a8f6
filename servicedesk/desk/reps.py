"""Sales reps: the active agents with the sales role, whom leads are assigned among."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicedesk.desk.models import Agent
from servicedesk.desk.roles import Role


def sales_reps(session: Session) -> list[Agent]:
    """Active agents whose roles include sales (admins are not reps unless they are)."""
    # Roles are a JSON list: filtered here, which is fine for the tens of agents a desk has.
    agents = session.scalars(select(Agent).where(Agent.is_active.is_(True)).order_by(Agent.id))
    return [agent for agent in agents if Role.SALES in agent.roles]


def sales_rep_ids(session: Session) -> tuple[int, ...]:
    return tuple(agent.id for agent in sales_reps(session))


def agent_names(session: Session) -> dict[int, str]:
    """Every agent's name by id, for showing owners."""
    return {row.id: row.name for row in session.execute(select(Agent.id, Agent.name))}


def agent_ids_by_email(session: Session) -> dict[str, int]:
    """Active agents' ids by email in lower case: whom an imported owner column may name."""
    query = select(Agent.email, Agent.id).where(Agent.is_active.is_(True))
    return {email.lower(): agent_id for email, agent_id in session.execute(query)}
