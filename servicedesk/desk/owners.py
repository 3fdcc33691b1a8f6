"""Owners of CRM records are agents: their names for lists, and who may own records."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicedesk.desk.models import Agent


def agent_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the agents with these ids (unknown ids are left out)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    query = select(Agent.id, Agent.name).where(Agent.id.in_(wanted))
    return {row.id: row.name for row in session.execute(query)}


def owner_choices(session: Session) -> list[tuple[int, str]]:
    """Active agents who can own customers (sales reps and admins), by name."""
    query = select(Agent).where(Agent.is_active.is_(True)).order_by(Agent.name)
    return [(a.id, a.name) for a in session.scalars(query) if a.has_role("sales")]
