"""Who wrote, when all we have is an address typed into a form; and confirming it.

The rules (see crm_core.confirmations): a sender whose address is unverified becomes a
contact of their own, opens a request of their own and never continues anyone else's
(threading skips them); replies to them by email wait until the address is confirmed.
Confirming links the contact to the address's customer and moves its requests there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select

from channels.base import ChannelNotConfigured, DeliveryRefused
from channels.messages import Sender
from channels.registry import AdapterRegistry
from crm_core.confirmations import (
    ERASE_ACCOUNT,
    LINK_CONTACT,
    SIGN_IN,
    ConfirmationInvalid,
    EmailConfirmation,
    confirm_email,
    confirmation_token,
    find_confirmation,
    open_unverified_contact,
    start_confirmation,
)
from crm_core.customers import Customer, IdentityKind, normalise_address, resolve_identity
from crm_core.db import UnitOfWork
from crm_core.organisations import infer_customer_organisation
from servicedesk.desk import events
from servicedesk.desk.audit import record
from servicedesk.desk.errors import InvalidChange
from servicedesk.desk.models import DeliveryState, Message, ServiceRequest
from servicedesk.desk.ports import NoticeSender

log = logging.getLogger(__name__)
SUBJECTS = {
    LINK_CONTACT: "Confirm your email address",
    SIGN_IN: "Your sign-in link",
    ERASE_ACCOUNT: "Confirm the deletion of your account",
}


class LinkInvalid(InvalidChange):
    """A confirmation link that is unknown, expired or already used."""


def resolve_sender(uow: UnitOfWork, sender: Sender) -> Customer:
    """The customer a message is from (intake step 2).

    A verified sender is found or created by address; an unverified one always gets a
    new contact of their own, and a link to confirm the address is mailed.
    """
    if sender.verified:
        customer = resolve_identity(uow.session, sender.kind, sender.address, sender.display_name)
        infer_customer_organisation(uow.session, customer)  # completion: company domain
        return customer
    contact = open_unverified_contact(uow.session, sender.display_name)
    claim_email(uow, contact, sender.address)
    return contact


def claim_email(uow: UnitOfWork, customer: Customer, address: str) -> EmailConfirmation | None:
    """`customer` says `address` is theirs: mail it a confirmation link (once while pending).

    None when the address is already confirmed as theirs.
    """
    if normalise_address(IdentityKind.EMAIL, address) in customer.emails:
        return None
    confirmation, new = start_confirmation(uow.session, customer, address)
    if new:
        uow.events.append(events.ConfirmationRequested(confirmation.id))
    return confirmation


def confirm_contact(
    uow: UnitOfWork, secret: str, token: str, *, purpose: str = LINK_CONTACT
) -> Customer:
    """Follow a confirmation link: the address becomes the contact's, or the contact joins
    the customer who owns it (with its requests); replies that waited are released.

    Raises `LinkInvalid` for an unknown, expired or used link.
    """
    try:
        confirmation = find_confirmation(uow.session, secret, token, purpose=purpose)
    except ConfirmationInvalid as error:
        raise LinkInvalid(str(error)) from error
    outcome = confirm_email(uow.session, confirmation)
    if outcome.merged_contact_id is not None:
        _move_history(uow, outcome.merged_contact_id, outcome.customer)
    _release_replies(uow, outcome.customer.id)
    return outcome.customer


def _move_history(uow: UnitOfWork, contact_id: int, owner: Customer) -> None:
    requests = select(ServiceRequest).where(ServiceRequest.customer_id == contact_id)
    for moved in uow.session.scalars(requests):
        moved.customer = owner
        record(uow.session, moved, "customer_confirmed", "customer", customer_id=owner.id)
        uow.events.append(events.RequestUpdated(moved.id, ("customer",)))
    messages = select(Message).where(Message.customer_id == contact_id)
    for message in uow.session.scalars(messages):
        message.customer_id = owner.id
    uow.session.flush()


def _release_replies(uow: UnitOfWork, customer_id: int) -> None:
    waiting = (
        select(Message)
        .join(ServiceRequest, Message.request_id == ServiceRequest.id)
        .where(
            ServiceRequest.customer_id == customer_id,
            Message.delivery_state == DeliveryState.UNCONFIRMED,
        )
    )
    for message in uow.session.scalars(waiting):
        message.delivery_state = DeliveryState.PENDING
        uow.events.append(events.ReplyReleased(message.request_id, message.id, message.channel))


def send_confirmation(
    uow_factory: Callable[[], UnitOfWork],
    adapters: AdapterRegistry,
    secret: str,
    link_for: Callable[[str, str], str],
    confirmation_id: int,
) -> bool:
    """Mail the link of one pending confirmation; False when there is nothing to send.

    Without outbound mail configured the link goes to the log, so an operator of an
    embedded desk can still pass it on. Safe to run twice: the link is the same.
    """
    with uow_factory() as uow:
        confirmation = uow.session.get(EmailConfirmation, confirmation_id)
        if confirmation is None or not confirmation.is_pending():
            return False
        purpose = confirmation.purpose
        link = link_for(purpose, confirmation_token(secret, confirmation))
        address = confirmation.address
    adapter = adapters.get("email") if "email" in adapters else None
    if not isinstance(adapter, NoticeSender):
        log.warning("no outbound mail configured; confirmation link for %s: %s", address, link)
        return False
    try:
        adapter.send_notice(
            address, SUBJECTS[purpose], _notice_text(purpose, link), f"confirm.{confirmation_id}"
        )
    except ChannelNotConfigured:
        log.warning("no outbound mail configured; confirmation link for %s: %s", address, link)
        return False
    except DeliveryRefused as refusal:
        log.warning("confirmation mail to %s not sent: %s", address, refusal)
        return False
    return True


def _notice_text(purpose: str, link: str) -> str:
    if purpose == ERASE_ACCOUNT:
        return (
            "You asked us to delete your help centre account and all data we hold about you.\n\n"
            f"To confirm, open this link within an hour:\n{link}\n\n"
            "This cannot be undone. If it was not you, ignore this mail: nothing happens.\n"
        )
    if purpose == SIGN_IN:
        return (
            "Someone, hopefully you, asked to sign in to our help centre with this address.\n\n"
            f"To sign in, open this link within 30 minutes (it works once):\n{link}\n\n"
            "If it was not you, ignore this mail: nobody can sign in without the link.\n"
        )
    return (
        "Someone, hopefully you, gave this address when writing to our support.\n\n"
        f"To confirm that it is yours, open this link within 24 hours:\n{link}\n\n"
        "Until you do, we will not send replies to this address. If it was not you, "
        "ignore this mail.\n"
    )
