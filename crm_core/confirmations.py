"""Confirming that a person owns an email address they typed into a form.

An address typed into the chat's pre-chat form or the help centre's contact form proves
nothing: anyone can type maria@customer.example. Until a link sent to that address is
followed, the person is a contact of their own (an unverified contact) that sees nothing
of the address's customer, and nothing is sent to the address but the link itself.
Following the link links the contact to the customer behind the address, bringing the
contact's identities along (the desk moves its requests).

A confirmation has a purpose, so the help centre's sign-in by magic link can use the same
rows, tokens and rules (`LINK_CONTACT` here, a sign-in purpose there).

Tokens are signed with the application's secret (itsdangerous) and name the row and its
random nonce: a copy of the database alone mints no link. Expiry and single use are
the row's (`expires_at`, `confirmed_at`), so a used or expired link fails however
well it is signed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from crm_core.customers import (
    ChannelIdentity,
    Customer,
    IdentityKind,
    find_identity,
    link_identity,
    normalise_address,
)
from crm_core.db import Base, utcnow

LINK_CONTACT = "link-contact"
SIGN_IN = "portal-sign-in"  # the help centre's magic link: confirms the address and signs in
ERASE_ACCOUNT = "portal-erase"  # a customer confirms, by mail, that their data should go
DEFAULT_LIFETIME = timedelta(hours=24)
SIGN_IN_LIFETIME = timedelta(minutes=30)
_SALT = "crm_core.email-confirmation"


class ConfirmationInvalid(ValueError):
    """The link is unknown, badly signed, expired or used; the message says which."""


class EmailConfirmation(Base):
    """One claim of an address by a customer record, waiting for its link to be followed."""

    __tablename__ = "email_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    address: Mapped[str] = mapped_column(String(320), index=True)
    purpose: Mapped[str] = mapped_column(String(30), default=LINK_CONTACT)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    customer: Mapped[Customer] = relationship()

    def is_pending(self, now: datetime | None = None) -> bool:
        return self.confirmed_at is None and _aware(self.expires_at) > (now or utcnow())


@dataclass(frozen=True)
class Confirmed:
    """What following a link did: the customer now owning the address, and the contact
    merged into it (None when the contact itself became that customer)."""

    customer: Customer
    merged_contact_id: int | None
    confirmation: EmailConfirmation


def open_unverified_contact(session: Session, display_name: str | None) -> Customer:
    """A new customer record for a person we only know by an unconfirmed address."""
    contact = Customer(name=(display_name or "").strip()[:200])
    session.add(contact)
    session.flush()
    return contact


def start_confirmation(
    session: Session,
    customer: Customer,
    address: str,
    *,
    purpose: str = LINK_CONTACT,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> tuple[EmailConfirmation, bool]:
    """The claim of `address` by `customer`, and whether it is new (a link must be sent).

    A claim still pending for the same customer, address and purpose is reused, so
    typing the address again does not send another mail.
    """
    key = normalise_address(IdentityKind.EMAIL, address)
    query = select(EmailConfirmation).where(
        EmailConfirmation.customer_id == customer.id,
        EmailConfirmation.address == key,
        EmailConfirmation.purpose == purpose,
        EmailConfirmation.confirmed_at.is_(None),
    )
    pending = [c for c in session.scalars(query) if c.is_pending()]
    if pending:
        return pending[-1], False
    confirmation = EmailConfirmation(
        customer=customer,
        address=key,
        purpose=purpose,
        nonce=secrets.token_urlsafe(24),
        expires_at=utcnow() + lifetime,
    )
    session.add(confirmation)
    session.flush()
    return confirmation, True


def confirmation_token(secret: str, confirmation: EmailConfirmation) -> str:
    """The token for the link; the same every time for one row (a resent mail matches)."""
    return str(_serializer(secret).dumps([confirmation.id, confirmation.nonce]))


def find_confirmation(
    session: Session, secret: str, token: str, *, purpose: str = LINK_CONTACT
) -> EmailConfirmation:
    """The pending confirmation a token names; `ConfirmationInvalid` says why not."""
    try:
        row_id, nonce = _serializer(secret).loads(token)
    except (BadSignature, TypeError, ValueError) as error:
        raise ConfirmationInvalid("this link is not valid") from error
    found = session.get(EmailConfirmation, row_id) if isinstance(row_id, int) else None
    if (
        found is None
        or found.purpose != purpose
        or not secrets.compare_digest(found.nonce, str(nonce))
    ):
        raise ConfirmationInvalid("this link is not valid")
    if found.confirmed_at is not None:
        raise ConfirmationInvalid("this link was already used")
    if not found.is_pending():
        raise ConfirmationInvalid("this link has expired; ask for a new one")
    return found


def confirm_email(session: Session, confirmation: EmailConfirmation) -> Confirmed:
    """Mark the address confirmed and link the contact to the customer that owns it.

    When another customer already has the address, the contact's identities (its chat
    visitor, say) move to that customer and `merged_contact_id` names the contact, whose
    requests the caller moves too. Otherwise the address becomes the contact's own.
    """
    confirmation.confirmed_at = utcnow()
    contact = confirmation.customer
    known = find_identity(session, IdentityKind.EMAIL, confirmation.address)
    if known is None:
        link_identity(session, contact, IdentityKind.EMAIL, confirmation.address, contact.name)
        contact.email = contact.email or confirmation.address
        session.flush()
        return Confirmed(contact, None, confirmation)
    owner = known.customer
    if owner.id == contact.id:
        return Confirmed(owner, None, confirmation)
    _move_identities(session, contact, owner)
    owner.name = owner.name or contact.name
    session.flush()
    return Confirmed(owner, contact.id, confirmation)


def _move_identities(session: Session, contact: Customer, owner: Customer) -> None:
    query = select(ChannelIdentity).where(ChannelIdentity.customer_id == contact.id)
    for identity in session.scalars(query):
        identity.customer = owner
    claims = select(EmailConfirmation).where(EmailConfirmation.customer_id == contact.id)
    for claim in session.scalars(claims):
        claim.customer = owner


def unconfirmed_addresses(session: Session, customer_id: int) -> list[str]:
    """Addresses this customer claimed and has not confirmed yet (for agents to see)."""
    query = select(EmailConfirmation).where(
        EmailConfirmation.customer_id == customer_id, EmailConfirmation.confirmed_at.is_(None)
    )
    return sorted({c.address for c in session.scalars(query) if c.is_pending()})


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
