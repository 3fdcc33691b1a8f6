"""Assignment policies as pure functions over candidate snapshots.

A snapshot is what the database said about an agent when the decision started (locked
rows under PostgreSQL); the functions here never touch the database or the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

POLICIES = ("round_robin", "least_loaded", "skills", "sticky")


@dataclass(frozen=True)
class Candidate:
    """One agent as seen by a decision."""

    agent_id: int
    name: str
    presence: str
    presence_changed_at: datetime
    capacity: int
    open_count: int
    skills: frozenset[str] = field(default_factory=frozenset)
    languages: frozenset[str] = field(default_factory=frozenset)
    # The request's channel: the agent's limit there (None: only the overall cap) and load.
    channel_capacity: int | None = None
    channel_open: int = 0

    @property
    def has_room(self) -> bool:
        if self.channel_capacity is not None and self.channel_open >= self.channel_capacity:
            return False
        return self.open_count < self.capacity


@dataclass(frozen=True)
class Choice:
    """The chosen agent (or None: the request waits) and the reason in words."""

    agent: Candidate | None
    reason: str


@dataclass(frozen=True)
class Need:
    """What the request asks of an agent, and who handled this customer before."""

    category: str | None = None
    language: str | None = None
    previous_agent_id: int | None = None


def is_available(candidate: Candidate, now: datetime, away_grace: timedelta) -> bool:
    """Online agents take work; away agents only within the grace period after leaving."""
    if candidate.presence == "online":
        return True
    return candidate.presence == "away" and now - candidate.presence_changed_at <= away_grace


def _skilled(candidate: Candidate, need: Need) -> bool:
    skills = {s.lower() for s in candidate.skills}
    languages = {lang.lower() for lang in candidate.languages}
    category_ok = need.category is None or need.category.lower() in skills
    language_ok = need.language is None or not languages or need.language.lower() in languages
    return category_ok and language_ok


def choose_agent(
    policy: str,
    candidates: Sequence[Candidate],
    need: Need,
    now: datetime,
    away_grace: timedelta = timedelta(minutes=5),
    last_assigned_id: int | None = None,
) -> Choice:
    """Apply availability and capacity, then the team's policy."""
    ready = [c for c in candidates if is_available(c, now, away_grace) and c.has_room]
    if not ready:
        return Choice(None, "waiting: no available agent with capacity")
    if policy == "sticky" and need.previous_agent_id is not None:
        previous = [c for c in ready if c.agent_id == need.previous_agent_id]
        if previous:
            return Choice(previous[0], f"assigned to {previous[0].name} by sticky (previous agent)")
    if policy == "skills":
        skilled = [c for c in ready if _skilled(c, need)]
        if not skilled:
            return Choice(None, "waiting: no available agent with the skills")
        return _least_loaded(skilled, "skills")
    if policy == "round_robin":
        return _round_robin(ready, last_assigned_id)
    return _least_loaded(ready, "least-loaded")


def _least_loaded(ready: Sequence[Candidate], label: str) -> Choice:
    # Lowest share of capacity in use; ties go to the agent idle the longest (lower id).
    best = min(ready, key=lambda c: (c.open_count / max(c.capacity, 1), c.open_count, c.agent_id))
    return Choice(
        best, f"assigned to {best.name} by {label} ({best.open_count} open of {best.capacity})"
    )


def _round_robin(ready: Sequence[Candidate], last_assigned_id: int | None) -> Choice:
    ordered = sorted(ready, key=lambda c: c.agent_id)
    after = [c for c in ordered if last_assigned_id is not None and c.agent_id > last_assigned_id]
    chosen = (after or ordered)[0]
    return Choice(chosen, f"assigned to {chosen.name} by round-robin")
