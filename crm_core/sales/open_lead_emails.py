"""Which addresses may have an open lead: read once per transaction while leads are few.

Intake notes every inbound mail on its sender's open lead (`behaviour.note_behaviour`);
most senders have none (see `crm_core.transaction_sets`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.sales.capture import OPEN_STATUSES
from crm_core.sales.models import Lead
from crm_core.transaction_sets import values_once

# Above this many open leads the set costs more to read than the queries it saves.
MOST_EMAILS = 5000

_OPEN_EMAILS = (
    select(Lead.email)
    .where(Lead.status.in_(OPEN_STATUSES), Lead.email.is_not(None))
    .limit(MOST_EMAILS + 1)
)


def may_have_open_lead(session: Session, email: str) -> bool:
    """False only when no open lead has exactly this address (as `open_lead_by_email`)."""
    known = values_once(session, "open_lead_emails", _OPEN_EMAILS, Lead, MOST_EMAILS)
    return known is None or email in known
