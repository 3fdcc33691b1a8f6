"""Who is looking, and what they may see and change: record scoping for the CRM.

Agents, teams and roles live above crm_core (in the desk), so an operation that must
scope its records is given this plain value instead of an agent row. The web layer, the
CLI and the Slack hook build it from the signed-in agent; scoping is then enforced in the
operation itself, never only in a view.

The scoping rules themselves are in `crm_core.scoping` (seed 3.1.4):

- admin: every record, may change it;
- sales (a rep): the customers and organisations they or a teammate own;
- agent: the customers of the requests they can see. Requests live in the desk, which
  crm_core may not read, so the desk hands the ids in as `served` (a select of customer
  ids; `servicedesk.desk.customer_access` builds it);
- marketing: the contacts with a consent in force for some purpose;
- read-only: sees what an admin sees, changes nothing.

A viewer with several roles sees the union of what each role shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

# Role names as the desk stores them on an agent (servicedesk.desk.roles.Role).
ADMIN = "admin"
AGENT = "agent"
SALES = "sales"
MARKETING = "marketing"
READ_ONLY = "read-only"

_T = TypeVar("_T")


class PermissionDenied(PermissionError):
    """The viewer may not see or change this record; the message says which and why."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as the CRM sees them.

    `teammate_ids` holds the ids of every agent who shares a team with the viewer, the
    viewer included: a rep sees their own accounts and their team's. `name` is what the
    audit log shows for them.
    """

    user_id: int | None
    roles: frozenset[str] = field(default_factory=frozenset)
    teammate_ids: frozenset[int] = field(default_factory=frozenset)
    name: str = ""

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def sees_everything(self) -> bool:
        """Admins and read-only users see every record."""
        return ADMIN in self.roles or READ_ONLY in self.roles

    @property
    def may_write(self) -> bool:
        """Read-only users look, never change; every other role may write what it sees."""
        return bool(self.roles - {READ_ONLY})

    @property
    def label(self) -> str:
        """Who this is in an audit entry."""
        if self.user_id is None:
            return self.name or "system"
        return self.name or f"user #{self.user_id}"

    @classmethod
    def system(cls, name: str = "system") -> Viewer:
        """The CLI, jobs and the demo: sees everything, like an admin."""
        return cls(user_id=None, roles=frozenset({ADMIN}), name=name)


def ensure_admin(viewer: Viewer, what: str) -> None:
    """Raise `PermissionDenied` unless the viewer is an admin; `what` names the action."""
    if not viewer.is_admin:
        raise PermissionDenied(f"only an admin may {what}")
