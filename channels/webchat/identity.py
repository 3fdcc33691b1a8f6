"""The chat visitor's customer record, and the name the pre-chat form gave."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_core.customers import Customer, resolve_identity


def identify_visitor(session: Session, visitor_id: str, name: str | None) -> Customer:
    """The customer behind the visitor (created on first sight), named if they said so.

    An email from the pre-chat form is only a claim: the desk mails it a confirmation
    link (servicedesk.desk.identity.claim_email), and the visitor stays a contact of
    their own, seeing nothing of that address's customer, until the link is followed.
    """
    customer = resolve_identity(session, "webchat", visitor_id, name)
    if name and not customer.name:
        customer.name = name
    return customer
