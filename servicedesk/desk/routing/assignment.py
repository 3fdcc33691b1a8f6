"""Assignment against the database: lock the team's agents, count open work, choose.

Agent rows are locked with SELECT ... FOR UPDATE (in id order, so two intakes never
deadlock) before open requests are counted; a concurrent intake for the same team waits
for the first to commit and then sees its assignment, so no agent exceeds capacity.
SQLite ignores FOR UPDATE but allows one writer at a time, which gives the same result.
Capacity is overall (`agents.capacity`) and, where set, per channel (e.g. two chats).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from servicedesk.desk.models import OPEN_STATUSES, Agent, ServiceRequest, Team, team_members
from servicedesk.desk.routing.models import AgentChannelCapacity
from servicedesk.desk.routing.policies import Candidate, Choice, Need, choose_agent


def lock_team(session: Session, team_id: int) -> None:
    """Serialise assignment per team: a no-op write takes the row lock (SQLite: the db lock).

    On SQLite a transaction that read before its first write cannot upgrade once another
    writer committed, so callers there should call this before their first read.
    """
    session.execute(
        update(Team)
        .where(Team.id == team_id)
        .values(last_assigned_agent_id=Team.last_assigned_agent_id)
        .execution_options(synchronize_session=False)
    )


def locked_candidates(
    session: Session, team_id: int, channel: str | None = None
) -> list[Candidate]:
    """Snapshots of the team's active agents, their rows locked until commit.

    With a channel, each snapshot also carries the agent's limit and load on it.
    """
    agents = session.scalars(
        select(Agent)
        .join(team_members, team_members.c.agent_id == Agent.id)
        .where(team_members.c.team_id == team_id, Agent.is_active.is_(True))
        .order_by(Agent.id)
        .with_for_update(of=Agent)
    ).all()
    ids = [agent.id for agent in agents]
    counts = open_counts(session, ids)
    limits = channel_limits(session, ids, channel) if channel else {}
    on_channel = open_counts(session, list(limits), channel) if limits else {}
    return [
        Candidate(
            agent_id=agent.id,
            name=agent.name,
            presence=str(agent.presence),
            presence_changed_at=agent.presence_changed_at,
            capacity=agent.capacity,
            open_count=counts.get(agent.id, 0),
            skills=frozenset(agent.skills or ()),
            languages=frozenset(agent.languages or ()),
            channel_capacity=limits.get(agent.id),
            channel_open=on_channel.get(agent.id, 0),
        )
        for agent in agents
    ]


def channel_limits(session: Session, agent_ids: list[int], channel: str) -> dict[int, int]:
    """Agents' per-channel caps on `channel` (agents without one are absent)."""
    rows = session.execute(
        select(AgentChannelCapacity.agent_id, AgentChannelCapacity.capacity).where(
            AgentChannelCapacity.agent_id.in_(agent_ids), AgentChannelCapacity.channel == channel
        )
    ).all()
    return {int(agent_id): int(capacity) for agent_id, capacity in rows}


def set_channel_capacity(
    session: Session, agent_id: int, channel: str, capacity: int | None
) -> None:
    """Cap an agent's open requests on one channel; None removes the cap."""
    row = session.get(AgentChannelCapacity, (agent_id, channel))
    if capacity is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(AgentChannelCapacity(agent_id=agent_id, channel=channel, capacity=capacity))
    else:
        row.capacity = capacity
    session.flush()


def open_counts(
    session: Session, agent_ids: list[int], channel: str | None = None
) -> dict[int, int]:
    """Open requests per agent (only those of `channel` when given)."""
    if not agent_ids:
        return {}
    query = (
        select(ServiceRequest.assignee_id, func.count())
        .where(ServiceRequest.assignee_id.in_(agent_ids))
        .where(ServiceRequest.status.in_(OPEN_STATUSES))
        .group_by(ServiceRequest.assignee_id)
    )
    if channel is not None:
        query = query.where(ServiceRequest.channel == channel)
    rows = session.execute(query).all()
    return {int(agent_id): int(count) for agent_id, count in rows if agent_id is not None}


def _previous_agent(session: Session, request: ServiceRequest) -> int | None:
    return session.scalar(
        select(ServiceRequest.assignee_id)
        .where(ServiceRequest.customer_id == request.customer_id)
        .where(ServiceRequest.id != request.id, ServiceRequest.assignee_id.is_not(None))
        .order_by(ServiceRequest.created_at.desc())
        .limit(1)
    )


def assign_in_team(
    session: Session, request: ServiceRequest, team: Team, now: datetime, away_grace: timedelta
) -> Choice:
    """Choose an agent of `team` for `request` and set it; None leaves it waiting."""
    lock_team(session, team.id)
    need = Need(request.category, request.language, _previous_agent(session, request))
    candidates = locked_candidates(session, team.id, request.channel)
    choice = choose_agent(
        team.assignment_policy, candidates, need, now, away_grace, team.last_assigned_agent_id
    )
    if choice.agent is not None:
        request.assignee_id = choice.agent.agent_id
        team.last_assigned_agent_id = choice.agent.agent_id
        session.flush()
    return choice


def waiting_requests(session: Session) -> list[ServiceRequest]:
    """Unassigned open requests with a team: most urgent first, then oldest."""
    rows = session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.assignee_id.is_(None), ServiceRequest.team_id.is_not(None))
        .where(ServiceRequest.status.in_(OPEN_STATUSES))
        .order_by(ServiceRequest.created_at, ServiceRequest.id)
    ).all()
    return sorted(rows, key=lambda r: -r.priority.rank)  # stable: oldest first per priority
