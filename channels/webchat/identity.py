"""Linking a chat visitor to a CRM customer when they tell us their name or email."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_core.customers import Customer, find_identity, link_identity, resolve_identity


def identify_visitor(
    session: Session, visitor_id: str, name: str | None, email: str | None
) -> Customer:
    """The customer behind the visitor, with the given name and email attached.

    An email that already belongs to a customer moves the visitor's identity to that
    customer (the person came back from another browser); otherwise the email becomes
    another identity of the visitor's own customer record.
    """
    customer = resolve_identity(session, "webchat", visitor_id, name)
    if name and not customer.name:
        customer.name = name
    if not email:
        return customer
    known = find_identity(session, "email", email)
    if known is None:
        link_identity(session, customer, "email", email, name)
        customer.email = customer.email or email.strip().lower()
        return customer
    if known.customer_id != customer.id:
        chat_identity = find_identity(session, "webchat", visitor_id)
        if chat_identity is not None:
            chat_identity.customer = known.customer
        session.flush()
    return known.customer
