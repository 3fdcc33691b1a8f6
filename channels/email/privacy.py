"""What the email channel keeps about a person, for the GDPR erasure.

The ledger (`email_ingested`) keeps each mail's hash, which is no personal data and
keeps a re-fetched mail from being taken in again; its Message-ID and reason go for the
person's requests. Quarantined raw mails that name the person are deleted, and so is
the automatic-notice log of their addresses.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from channels.email.models import AutomaticMailLog, IngestedMail, QuarantinedMail
from crm_core.privacy import Erasure


def erase_mail_traces(session: Session, erasure: Erasure) -> None:
    """An eraser: run after the desk's, which fills `related`."""
    request_ids = list(erasure.related.get("requests", []))
    emails = [e.lower() for e in erasure.emails]
    identifiers = [i.lower().encode() for i in erasure.identifiers]
    if request_ids:
        session.execute(
            update(IngestedMail)
            .where(IngestedMail.request_id.in_(request_ids))
            .values(message_id=None, reason=None)
        )
    if emails:
        session.execute(delete(AutomaticMailLog).where(AutomaticMailLog.recipient.in_(emails)))
    if identifiers:
        doomed = [
            row_id
            for row_id, raw in session.execute(select(QuarantinedMail.id, QuarantinedMail.raw))
            if any(i in bytes(raw).lower() for i in identifiers)
        ]
        if doomed:
            session.execute(delete(QuarantinedMail).where(QuarantinedMail.id.in_(doomed)))
