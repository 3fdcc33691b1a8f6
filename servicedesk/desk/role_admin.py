"""Setting an agent's roles: admins only, audited, and never the last admin away."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import Viewer, ensure_admin
from servicedesk.desk.audit import record_admin_change
from servicedesk.desk.errors import InvalidChange, NotFound
from servicedesk.desk.models import Agent, Role

KNOWN_ROLES = tuple(role.value for role in Role)


def set_roles(
    session: Session, viewer: Viewer, agent_id: int, roles: list[str], reason: str | None = None
) -> Agent:
    """Give the agent exactly `roles`; `InvalidChange` names the bad field."""
    ensure_admin(viewer, "change roles")
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"agent {agent_id} does not exist")
    wanted = sorted(set(roles))
    unknown = [r for r in wanted if r not in KNOWN_ROLES]
    if unknown:
        raise InvalidChange(f"roles: unknown role {unknown[0]!r}")
    if not wanted:
        raise InvalidChange("roles: give the agent at least one role")
    if Role.ADMIN in agent.roles and Role.ADMIN not in wanted and _admins(session) <= 1:
        raise InvalidChange("roles: this is the last admin; make someone else admin first")
    before = sorted(agent.roles)
    if before != wanted:
        agent.roles = wanted
        record_admin_change(
            session,
            viewer,
            "agent",
            agent.id,
            "roles",
            changes={"roles": [before, wanted]},
            reason=reason,
        )
        session.flush()
    return agent


def _admins(session: Session) -> int:
    agents = session.scalars(select(Agent).where(Agent.is_active.is_(True))).all()
    return sum(1 for a in agents if Role.ADMIN in a.roles)
