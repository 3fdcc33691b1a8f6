"""Writing the audit trail: one `RequestEvent` per change of a request.

Everything that is not a request (customers, organisations, agents' roles, settings,
exports and erasures) goes to the CRM's audit log instead: `record_admin_change` is
`crm_core.audit.record_entry`, named for the desk's callers. Both trails keep who,
what, when and the values.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy.orm import Session

from crm_core.audit import record_entry as record_admin_change
from servicedesk.desk.models import Agent, RequestEvent, ServiceRequest

__all__ = ["record", "record_admin_change"]


def record(
    session: Session,
    request: ServiceRequest,
    kind: str,
    actor: str,
    agent: Agent | None = None,
    **data: Any,
) -> RequestEvent:
    """Append an event to the request's trail; enum values are stored as their strings."""
    # A request opened in this unit of work has no id until the next flush: the event
    # then joins it through the relationship, and one flush writes both.
    link: dict[str, Any] = (
        {"request_id": request.id} if request.id is not None else {"request": request}
    )
    event = RequestEvent(
        **link,
        kind=kind,
        actor=actor,
        agent_id=agent.id if agent else None,
        data={key: _plain(value) for key, value in data.items()},
    )
    session.add(event)
    return event


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
