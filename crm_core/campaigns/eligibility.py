"""Who may get a campaign mail: the audience minus suppressed, bouncing and unconsented.

`eligible_recipients` is the one place these checks are made, before deliveries are
planned and again for each batch of recipients just before their mail goes out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from crm_core.campaigns.models import Suppression
from crm_core.customers.models import ChannelIdentity, Customer, IdentityKind
from crm_core.db import utcnow
from crm_core.normalise import normalise_email
from crm_core.privacy.consent import Purpose, consented_customer_ids

# Narrows `SELECT customers.id, customers.email` to the customers who consented.
ConsentFilter = Callable[[Select[Any]], Select[Any]]


def marketing_consent(query: Select[Any]) -> Select[Any]:
    """Only customers whose newest answer for marketing mail is a consent in force
    (crm_core.privacy): nobody is mailed on a guess."""
    return query.where(Customer.id.in_(consented_customer_ids(Purpose.MARKETING_EMAIL)))


def eligible_recipients(
    audience: Select[Any], consent: ConsentFilter = marketing_consent
) -> Select[Any]:
    """`(customer_id, email)` of the audience who may be mailed: with an address, not on
    the suppression list (unsubscribed, bounced, complained), the address not marked as
    bouncing by the email channel, and passing the consent hook. One SQL query."""
    address = func.lower(Customer.email)
    suppressed = exists().where(Suppression.email == address)
    bouncing = exists().where(
        and_(
            ChannelIdentity.kind == IdentityKind.EMAIL,
            func.lower(ChannelIdentity.address) == address,
            ChannelIdentity.bouncing.is_(True),
        )
    )
    query = (
        select(Customer.id, address.label("email"))
        .where(Customer.id.in_(audience), Customer.email.is_not(None), Customer.email != "")
        .where(~suppressed, ~bouncing)
    )
    return consent(query)


def is_suppressed(session: Session, email: str) -> bool:
    """Whether this address must get no campaign mail."""
    return session.get(Suppression, _key(email)) is not None


def suppress(session: Session, email: str, reason: str, campaign_id: int | None = None) -> bool:
    """Put the address on the suppression list (idempotent); True when it was new."""
    key = _key(email)
    if session.get(Suppression, key) is not None:
        return False
    session.add(Suppression(email=key, reason=reason, campaign_id=campaign_id, at=utcnow()))
    session.flush()
    return True


def suppress_bouncing(session: Session) -> int:
    """Copy the email channel's bouncing addresses (ChannelIdentity.bouncing) onto the
    suppression list, so an address stays suppressed even if the identity goes away."""
    rows = session.scalars(
        select(func.lower(ChannelIdentity.address)).where(
            ChannelIdentity.kind == IdentityKind.EMAIL, ChannelIdentity.bouncing.is_(True)
        )
    ).all()
    return sum(suppress(session, address, "bounced") for address in rows)


def _key(email: str) -> str:
    try:
        return normalise_email(email)
    except ValueError:
        return email.strip().lower()
