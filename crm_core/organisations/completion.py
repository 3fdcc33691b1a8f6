"""Completion: fill what a customer record lacks from what we already know of the person.

- the organisation, from a company email domain an organisation has claimed (never from
  a free-mail domain: see `freemail`);
- the primary email, phone and name, from the person's other identities.

Nothing already on the record is overwritten.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_core.customers import Customer, IdentityKind, Organization
from crm_core.normalise.email import email_domain
from crm_core.organisations.domain_claims import may_be_claimed
from crm_core.organisations.freemail import is_freemail
from crm_core.organisations.operations import infer_organisation


def complete_customer(session: Session, customer: Customer) -> list[str]:
    """Fill the blanks of `customer`; the names of the fields filled."""
    known = _from_identities(customer)
    filled = [name for name, value in known.items() if value and not getattr(customer, name)]
    for name in filled:
        setattr(customer, name, known[name])
    if customer.organization_id is None and customer.organization is None:
        organisation = _organisation(session, customer)
        if organisation is not None:
            customer.organization = organisation
            filled.append("organisation")
    return filled


def _from_identities(customer: Customer) -> dict[str, str | None]:
    identities = list(customer.identities)
    return {
        "email": next((i.address for i in identities if i.kind == IdentityKind.EMAIL), None),
        "phone": next(
            (i.secret for i in identities if i.kind == IdentityKind.PHONE and i.secret), None
        ),
        "name": next((i.display_name for i in identities if i.display_name), None),
    }


def _organisation(session: Session, customer: Customer) -> Organization | None:
    emails = customer.emails or ([customer.email] if customer.email else [])
    for email in emails:
        if "@" in email and not is_freemail(email.rsplit("@", 1)[1]):
            organisation = infer_organisation(session, email)
            if organisation is not None:
                return organisation
    return None


def infer_customer_organisation(session: Session, customer: Customer) -> bool:
    """The cheap part of completion for intake's hot path: a customer without an
    organisation whose primary email is at a claimed company domain joins it (one
    indexed lookup, and none for free-mail addresses). True when it joined one."""
    if customer.organization_id is not None or customer.organization is not None:
        return False
    email = customer.email or ""
    if "@" not in email or is_freemail(email.rsplit("@", 1)[1]):
        return False
    if not may_be_claimed(session, email_domain(email)):
        return False
    # Without an autoflush: the customer was usually just added, and flushing it here
    # would cost intake a second flush per new request; no pending row of intake's can
    # change which organisation claimed a domain (claims flush themselves, `add_domain`).
    with session.no_autoflush:
        organisation = infer_organisation(session, email)
    if organisation is None:
        return False
    customer.organization = organisation
    return True
