"""The help centre's demo customer: requests in several states and a sign-in link.

`customer@demo.local` wrote by email (so the address is theirs), has an open request
with an agent's reply, one waiting on them and one solved to rate. Their sign-in link is
printed in the demo's log, as a mail would carry it. Loading twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from channels.messages import InboundMessage, Sender
from crm_core.confirmations import SIGN_IN, confirmation_token, start_confirmation
from crm_core.customers import find_identity
from crm_core.db import UnitOfWork, utcnow
from crm_core.portal_accounts import account_of
from servicedesk.desk.accounts import find_agent
from servicedesk.desk.models import Status
from servicedesk.desk.operations import change_status, post_reply, receive_inbound

CUSTOMER = Sender("email", "customer@demo.local", "Casey Customer")
SIGN_IN_PATH = "/help/sign-in/"  # web/portal/account.py
# (provider id, subject, text, what happened since): one request per state.
REQUESTS = [
    (
        "demo-portal-open@demo.local",
        "Parcel not delivered",
        "Tracking says delivered, but nothing arrived. Order 77120.",
        "replied",
    ),
    (
        "demo-portal-pending@demo.local",
        "Change my billing address",
        "We moved; please use Hauptstrasse 5, Berlin from now on.",
        "pending",
    ),
    ("demo-portal-solved@demo.local", "Reset my password", "The reset mail never came.", "solved"),
]


def load_portal_demo(
    make_uow: Callable[[], UnitOfWork], secret: str, base_url: str, agent_email: str
) -> list[str]:
    """Create the demo customer's requests (idempotent); the lines to print."""
    for index, (external_id, subject, text, state) in enumerate(REQUESTS):
        with make_uow() as uow:
            message = InboundMessage(
                channel="email",
                external_id=external_id,
                sender=CUSTOMER,
                subject=subject,
                text=text,
                received_at=utcnow() - timedelta(days=len(REQUESTS) - index),
            )
            result = receive_inbound(uow, message)
            if result.outcome == "created":
                _advance(uow, result.request_id, state, agent_email)
            uow.commit()
    link = f"{base_url}{SIGN_IN_PATH}{_sign_in_token(make_uow, secret)}"
    return [f"  customer  {CUSTOMER.address}: {link}"]


def _advance(uow: UnitOfWork, request_id: int, state: str, agent_email: str) -> None:
    agent = find_agent(uow.session, agent_email)
    if agent is None:
        return
    post_reply(uow, request_id, agent.id, "Thanks, Casey. We are on it and will update you here.")
    if state == "pending":
        change_status(uow, request_id, Status.PENDING, agent_id=agent.id)
    elif state == "solved":
        change_status(uow, request_id, Status.SOLVED, agent_id=agent.id)


def _sign_in_token(make_uow: Callable[[], UnitOfWork], secret: str) -> str:
    """A sign-in link for the demo customer (the pending one, or a new one)."""
    with make_uow() as uow:
        identity = find_identity(uow.session, "email", CUSTOMER.address)
        assert identity is not None, "the demo customer's requests create their identity"
        account_of(uow.session, identity.customer)
        confirmation, _new = start_confirmation(
            uow.session,
            identity.customer,
            CUSTOMER.address,
            purpose=SIGN_IN,
            lifetime=timedelta(days=7),
        )
        token = confirmation_token(secret, confirmation)
        uow.commit()
    return token
