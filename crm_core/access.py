"""Who is looking: the viewer every scoped CRM operation is handed.

Agents, teams and roles live above crm_core (in the desk), so an operation that must
scope its records is given this plain value instead of an agent row. The web layer, the
CLI and the Slack hook build it from the signed-in agent; scoping is then enforced in the
operation itself, never only in a view.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Role names as the desk stores them on an agent (servicedesk.desk.roles.Role).
ADMIN = "admin"
AGENT = "agent"
SALES = "sales"
MARKETING = "marketing"
READ_ONLY = "read-only"


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as the CRM sees them.

    `teammate_ids` holds the ids of every agent who shares a team with the viewer, the
    viewer included: a rep sees their own accounts and their team's.
    """

    user_id: int | None
    roles: frozenset[str] = field(default_factory=frozenset)
    teammate_ids: frozenset[int] = field(default_factory=frozenset)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def may_write(self) -> bool:
        """Read-only users look, never change; every other role may write what it sees."""
        return bool(self.roles - {READ_ONLY})

    @classmethod
    def system(cls) -> Viewer:
        """The CLI, jobs and the demo: sees everything, like an admin."""
        return cls(user_id=None, roles=frozenset({ADMIN}))
