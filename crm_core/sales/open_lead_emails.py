"""Which addresses may have an open lead, read once per transaction while leads are few.

Intake notes every inbound mail on its sender's open lead (`behaviour.note_behaviour`);
most senders have none, and a query per mail to find that out cost more than the note.
A batch of mails in one transaction (`servicedesk mail ingest`) reads the open leads'
addresses once instead. The set only ever says "no" for certain: a "maybe" still looks
the lead up. A lead added or changed through the session in that transaction drops it.
"""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from crm_core.sales.capture import OPEN_STATUSES
from crm_core.sales.models import Lead

_KEY = "sales.open_lead_emails"
# Above this many open leads the set costs more to read than the queries it saves.
MOST_EMAILS = 5000

_OPEN_EMAILS = (
    select(Lead.email)
    .where(Lead.status.in_(OPEN_STATUSES), Lead.email.is_not(None))
    .limit(MOST_EMAILS + 1)
)


def may_have_open_lead(session: Session, email: str) -> bool:
    """False only when no open lead has exactly this address (as `open_lead_by_email`)."""
    if _leads_edited(session):
        session.info.pop(_KEY, None)
        return True
    transaction = session.get_transaction()
    held = session.info.get(_KEY)
    if held is None or held[0] is not transaction:
        emails: set[str] = {email for email in session.scalars(_OPEN_EMAILS) if email}
        held = (transaction, emails if len(emails) <= MOST_EMAILS else None)
        session.info[_KEY] = held
    known = held[1]
    return known is None or email in known


def _leads_edited(session: Session) -> bool:
    changed = (*session.new, *session.dirty, *session.deleted)
    return any(isinstance(instance, Lead) for instance in changed)


@event.listens_for(Session, "before_flush")
def _forget_on_edit(session: Session, _context: object, _instances: object) -> None:
    if _KEY in session.info and _leads_edited(session):
        del session.info[_KEY]
