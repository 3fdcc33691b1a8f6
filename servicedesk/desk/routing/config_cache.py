"""Routing rules and teams, read once per transaction instead of once per routed request.

Admins edit them rarely and in their own transactions, which the next transaction sees;
an edit inside the same transaction (pending or flushed) drops the copy. A batch of mails
in one transaction (`servicedesk mail ingest`) then reads them once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from crm_core.per_transaction import once_per_transaction
from servicedesk.desk.models import Team
from servicedesk.desk.routing.models import RoutingRuleRow

T = TypeVar("T")
_WATCHED = (Team, RoutingRuleRow)


def per_transaction(session: Session, name: str, load: Callable[[Session], T]) -> T:
    """`load(session)`, remembered for the rest of the session's current transaction."""
    return once_per_transaction(session, f"routing.{name}", lambda: load(session), _WATCHED)
