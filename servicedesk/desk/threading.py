"""Finding the request an inbound message belongs to.

Rules run in order and the first that matches wins; the rule's name is stored on the
message so agents can see why it landed where it did. Header rules accept any sender
(knowing a Message-ID means being on the thread); token rules only accept the request's
own customer, so a stranger quoting `[SR-1042]` opens a request of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from channels.messages import InboundMessage
from crm_core.customers import Customer
from crm_core.db import MAX_ID
from crm_core.portal_accounts import PortalAccount
from servicedesk.desk.models import Direction, Message, ServiceRequest, parse_reference

SUBJECT_TOKEN = re.compile(r"\[(SR-\d{1,12})\]", re.IGNORECASE)
ADDRESS_TOKEN = re.compile(r"\+(SR-\d{1,12})@", re.IGNORECASE)
# Built once: chat intake runs it for every message (see intake._BY_EXTERNAL_ID).
_BY_THREAD_KEY = (
    select(ServiceRequest)
    .where(
        ServiceRequest.channel == bindparam("channel"),
        ServiceRequest.thread_key == bindparam("thread_key"),
    )
    .order_by(ServiceRequest.id.desc())
    .limit(1)
)
# One query for both Message-ID rules, the references as an expanding list.
_BY_EXTERNAL_IDS = select(Message).where(
    Message.channel == bindparam("channel"),
    Message.external_id.in_(bindparam("ids", expanding=True)),
)


@dataclass(frozen=True)
class ThreadMatch:
    request: ServiceRequest
    rule: str


def find_thread(
    session: Session, message: InboundMessage, customer: Customer
) -> ThreadMatch | None:
    """The request this message continues, or None for a new one.

    A sender with an unverified address (typed into a form) never continues a request:
    quoting someone's reference or Message-ID must not append to their conversation.
    """
    if not message.sender.verified:
        return None
    rules = (_by_account, _by_message_id, _by_thread_key, _by_tokens)
    for rule in rules:
        match = rule(session, message, customer)
        if match is not None:
            return ThreadMatch(_follow_merges(session, match.request), match.rule)
    return None


def _by_account(
    session: Session, message: InboundMessage, customer: Customer
) -> ThreadMatch | None:
    """A signed-in help centre customer replying on a request page names the request.

    They may add to their own requests, and an organisation manager to their
    organisation's; any other id is ignored (the message opens a request of its own).
    """
    named = message.extra.get("request_id") if message.channel == "portal" else None
    valid = named is not None and named.isascii() and named.isdigit() and int(named) <= MAX_ID
    request = session.get(ServiceRequest, int(named)) if valid and named else None
    if request is None:
        return None
    if request.customer_id == customer.id:
        return ThreadMatch(request, "account")
    account = session.get(PortalAccount, customer.id)
    same_organisation = (
        customer.organization_id is not None
        and request.customer.organization_id == customer.organization_id
    )
    if account is not None and account.manages_organisation and same_organisation:
        return ThreadMatch(request, "account")
    return None


def _by_message_id(
    session: Session, message: InboundMessage, _customer: Customer
) -> ThreadMatch | None:
    """A Message-ID we sent wins (own_message_id), then one we received (known_message_id);
    among either, the nearest parent (references are ordered newest first)."""
    if not message.references:
        return None
    params = {"channel": message.channel, "ids": list(message.references)}
    # Only a message added or changed unflushed could change the answer; without one, no
    # autoflush: it would flush intake's new customer early, a second flush per request.
    if any(isinstance(pending, Message) for pending in chain(session.new, session.dirty)):
        found = list(session.scalars(_BY_EXTERNAL_IDS, params))
    else:
        with session.no_autoflush:
            found = list(session.scalars(_BY_EXTERNAL_IDS, params))
    for outbound, rule in ((True, "own_message_id"), (False, "known_message_id")):
        ours = {m.external_id: m for m in found if (m.direction == Direction.OUTBOUND) == outbound}
        nearest = next((ours[ref] for ref in message.references if ref in ours), None)
        if nearest is not None:
            return ThreadMatch(nearest.request, rule)
    return None


def _by_thread_key(
    session: Session, message: InboundMessage, _customer: Customer
) -> ThreadMatch | None:
    if not message.thread_key:
        return None
    params = {"channel": message.channel, "thread_key": message.thread_key}
    request = session.scalars(_BY_THREAD_KEY, params).first()
    return ThreadMatch(request, "thread_key") if request else None


def _by_tokens(session: Session, message: InboundMessage, customer: Customer) -> ThreadMatch | None:
    candidates = [("subject_token", m) for m in SUBJECT_TOKEN.findall(message.subject or "")]
    for address in message.recipients:
        candidates += [("address_token", m) for m in ADDRESS_TOKEN.findall(address)]
    for rule, token in candidates:
        request_id = parse_reference(token)
        request = session.get(ServiceRequest, request_id) if request_id else None
        if request is not None and request.customer_id == customer.id:
            return ThreadMatch(request, rule)
    return None


def _follow_merges(session: Session, request: ServiceRequest) -> ServiceRequest:
    seen = {request.id}
    while request.merged_into_id is not None and request.merged_into_id not in seen:
        target = session.get(ServiceRequest, request.merged_into_id)
        if target is None:
            break
        seen.add(target.id)
        request = target
    return request
