"""Customers signing in to the help centre, and what they may see and do there.

Sign-in is by magic link (a single-use, expiring confirmation of the address, the same
rows as the CRM's address confirmations) or by password once one is set. The answer to
"send me a link" is the same for known and unknown addresses: an unknown address gets a
contact of its own, which becomes its account when the link is followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from crm_core.confirmations import (
    SIGN_IN,
    SIGN_IN_LIFETIME,
    EmailConfirmation,
    open_unverified_contact,
    start_confirmation,
)
from crm_core.customers import Customer, IdentityKind, find_identity
from crm_core.db import UnitOfWork, utcnow
from crm_core.portal_accounts import PortalAccount, account_of
from servicedesk.desk import accounts, events
from servicedesk.desk.audit import record
from servicedesk.desk.errors import InvalidChange, NotFound
from servicedesk.desk.identity import confirm_contact
from servicedesk.desk.models import Direction, Message, ServiceRequest, Status


@dataclass(frozen=True)
class PortalUser:
    """A signed-in customer, as the web layer keeps them in the session."""

    customer_id: int
    session_version: int
    manages_organisation: bool
    organisation_id: int | None


def request_sign_in_link(uow: UnitOfWork, address: str) -> None:
    """Mail a sign-in link to `address`, whoever owns it (the answer never tells).

    Raises `InvalidChange` for a malformed address only.
    """
    key = accounts.normalise_email(address)
    known = find_identity(uow.session, IdentityKind.EMAIL, key)
    customer = known.customer if known is not None else _pending_contact(uow.session, key)
    confirmation, _new = start_confirmation(
        uow.session, customer, key, purpose=SIGN_IN, lifetime=SIGN_IN_LIFETIME
    )
    # Asking again resends the same link: the first mail may be lost or filtered.
    uow.events.append(events.ConfirmationRequested(confirmation.id))


def _pending_contact(session: Session, key: str) -> Customer:
    # Reuse the contact of an earlier unanswered request for this address, so asking
    # again does not open contact after contact.
    earlier = session.scalars(
        select(EmailConfirmation)
        .where(EmailConfirmation.address == key, EmailConfirmation.purpose == SIGN_IN)
        .order_by(EmailConfirmation.id.desc())
    ).first()
    if earlier is not None and earlier.is_pending():
        return earlier.customer
    return open_unverified_contact(session, None)


def complete_sign_in(uow: UnitOfWork, secret: str, token: str) -> PortalUser:
    """Follow a sign-in link: the address is confirmed and its customer signed in.

    Raises `LinkInvalid` for an unknown, expired or used link.
    """
    customer = confirm_contact(uow, secret, token, purpose=SIGN_IN)
    return _signed_in(uow.session, customer)


def sign_in_with_password(uow: UnitOfWork, address: str, password: str) -> PortalUser | None:
    """The customer with this address and password, or None (in the same time either way)."""
    try:
        key = accounts.normalise_email(address)
    except InvalidChange:
        return None
    known = find_identity(uow.session, IdentityKind.EMAIL, key)
    account = uow.session.get(PortalAccount, known.customer_id) if known else None
    stored = account.password_hash if account is not None else None
    if not accounts.verify_password(stored, password) or known is None:
        return None
    return _signed_in(uow.session, known.customer)


def set_portal_password(uow: UnitOfWork, customer_id: int, password: str) -> int:
    """Set the customer's password; every other session ends. The new session version."""
    customer = uow.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("no such customer")
    account = account_of(uow.session, customer)
    account.password_hash = accounts.hash_password(password)
    account.session_version = (account.session_version or 0) + 1
    return account.session_version


def set_organisation_manager(uow: UnitOfWork, address: str, *, manages: bool) -> str:
    """Make the customer with this address an organisation manager (or not); the org's name.

    Raises `NotFound` when no customer has the address, `InvalidChange` when they belong to
    no organisation.
    """
    known = find_identity(uow.session, IdentityKind.EMAIL, accounts.normalise_email(address))
    if known is None:
        raise NotFound(f"no customer has the address {address}")
    organisation = known.customer.organization
    if organisation is None:
        raise InvalidChange(f"{address} belongs to no organisation")
    account_of(uow.session, known.customer).manages_organisation = manages
    return organisation.name


def current_user(session: Session, customer_id: int, version: int) -> PortalUser | None:
    """The signed-in customer of a session, or None once signed out everywhere."""
    account = session.get(PortalAccount, customer_id)
    if account is None or account.session_version != version:
        return None
    return _user(account)


def _signed_in(session: Session, customer: Customer) -> PortalUser:
    account = account_of(session, customer)
    account.last_signed_in_at = utcnow()
    return _user(account)


def _user(account: PortalAccount) -> PortalUser:
    return PortalUser(
        customer_id=account.customer_id,
        session_version=account.session_version,
        manages_organisation=account.manages_organisation,
        organisation_id=account.customer.organization_id,
    )


def visible_requests(user: PortalUser) -> Select[ServiceRequest]:
    """The requests a customer may see: their own; an organisation manager's organisation's."""
    query = select(ServiceRequest).where(ServiceRequest.merged_into_id.is_(None))
    if user.manages_organisation and user.organisation_id is not None:
        colleagues = select(Customer.id).where(Customer.organization_id == user.organisation_id)
        return query.where(ServiceRequest.customer_id.in_(colleagues))
    return query.where(ServiceRequest.customer_id == user.customer_id)


def find_visible_request(session: Session, user: PortalUser, request_id: int) -> ServiceRequest:
    """The request if this customer may see it; `NotFound` otherwise (never a hint why)."""
    found = session.scalars(visible_requests(user).where(ServiceRequest.id == request_id)).first()
    if found is None:
        raise NotFound("no such request")
    return found


def public_messages(request: ServiceRequest) -> list[Message]:
    """The conversation as the customer sees it: never an internal note."""
    return [m for m in request.messages if m.direction != Direction.NOTE]


def mark_solved_by_customer(uow: UnitOfWork, user: PortalUser, request_id: int) -> None:
    """The customer says their question is answered."""
    request = find_visible_request(uow.session, user, request_id)
    if not request.is_open:
        raise InvalidChange("the request is not open")
    _set_status(uow, request, Status.SOLVED)


def reopen_by_customer(
    uow: UnitOfWork, user: PortalUser, request_id: int, window: timedelta
) -> None:
    """Reopen a solved request within `window` of its solving; later, a new request."""
    request = find_visible_request(uow.session, user, request_id)
    if request.status != Status.SOLVED or request.solved_at is None:
        raise InvalidChange("only a solved request can be reopened")
    solved_at = request.solved_at
    if solved_at.tzinfo is None:  # SQLite hands it back naive; it was stored in UTC
        solved_at = solved_at.replace(tzinfo=utcnow().tzinfo)
    if utcnow() - solved_at > window:
        raise InvalidChange("this request was solved too long ago; please open a new one")
    _set_status(uow, request, Status.OPEN)


def _set_status(uow: UnitOfWork, request: ServiceRequest, status: Status) -> None:
    old = request.status
    request.status = status
    request.solved_at = utcnow() if status == Status.SOLVED else request.solved_at
    request.updated_at = utcnow()
    record(uow.session, request, "status_changed", "customer", old=old, new=status)
    uow.events.append(events.RequestUpdated(request.id, ("status",)))
    if status == Status.SOLVED:
        uow.events.append(events.RequestSolved(request.id))
