"""Intake: a customer message from any channel becomes part of a request.

Steps, in order: dedupe on the provider id, resolve the customer, thread onto an open
request or open a new one (routed as it opens), store the message and its attachments,
apply the channel's rules (a live chat nobody answers continues by email), emit events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import bindparam, select

from channels.messages import InboundMessage
from crm_core.campaigns.replies import asks_for_help, note_campaign_reply
from crm_core.confirmations import unconfirmed_addresses
from crm_core.customers import Customer
from crm_core.db import UnitOfWork, utcnow
from crm_core.sales.behaviour import note_behaviour
from crm_core.sales.models import ActivityKind
from servicedesk.desk import events
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.audit import record
from servicedesk.desk.contracts import cover_new_request
from servicedesk.desk.conversations import agents_online
from servicedesk.desk.display import neutralise_bidi
from servicedesk.desk.errors import InvalidChange
from servicedesk.desk.identity import resolve_sender
from servicedesk.desk.models import (
    Attachment,
    Direction,
    Message,
    Priority,
    ServiceRequest,
    Status,
    Team,
)
from servicedesk.desk.ports import RequestRouter
from servicedesk.desk.sla.service import refresh_after_customer_message
from servicedesk.desk.threading import find_thread

Outcome = Literal["created", "appended", "duplicate"]
# Set on a live chat that arrived while no agent was online: the visitor left, so the
# desk answers by email (see `operations._reply_channel`).
REPLY_BY_EMAIL_TAG = "reply-by-email"

# Built once: every intake runs it, and building a statement costs more than running it.
_BY_EXTERNAL_ID = select(Message).where(
    Message.channel == bindparam("channel"), Message.external_id == bindparam("external_id")
)


@dataclass(frozen=True)
class IntakeResult:
    """What `receive_inbound` did with a message."""

    outcome: Outcome
    request_id: int
    reference: str
    message_id: int
    # The stored row, still attached to the caller's session: building a view of it then
    # costs no query (the session's identity map only holds rows someone references).
    message: Message = field(compare=False, repr=False)
    thread_rule: str | None = None


def receive_inbound(
    uow: UnitOfWork,
    message: InboundMessage,
    *,
    router: RequestRouter | None = None,
    attachments: AttachmentStore | None = None,
    team_id: int | None = None,
) -> IntakeResult:
    """Store a customer message: dedupe, resolve the customer, thread, route, emit events.

    `team_id` is the team the intake point feeds (a mailbox's); admin rules still win.
    """
    existing, external_id = _find_duplicate(uow, message)
    if existing is not None:
        request = existing.request
        return IntakeResult("duplicate", request.id, request.reference, existing.id, existing)
    customer = resolve_sender(uow, message.sender)  # an unverified sender: a new contact
    request, outcome, rule = _thread_or_open(uow, message, customer, router, team_id)
    stored = _store_message(uow, request, message, customer, external_id, rule)
    _store_attachments(stored, message, attachments)
    _continue_by_email_when_unattended(uow, request, message, opened=outcome == "created")
    uow.session.flush()  # the one flush a new message needs (ids for the events)
    if outcome == "created":
        cover_new_request(uow.session, request, utcnow())
        _announce_opened(uow, request)
    if message.channel == "email":
        _note_mail_reply(uow, request, message, customer, opened=outcome == "created")
    refresh_after_customer_message(uow.session, request, stored.created_at, utcnow())
    uow.events.append(events.MessageReceived(request.id, stored.id))
    return IntakeResult(outcome, request.id, request.reference, stored.id, stored, rule)


def _note_mail_reply(
    uow: UnitOfWork,
    request: ServiceRequest,
    message: InboundMessage,
    customer: Customer,
    *,
    opened: bool,
) -> None:
    """A reply by mail is behaviour the lead score counts, and a campaign's response; a
    campaign reply that asks for nothing opens its request already solved."""
    note_behaviour(uow.session, message.sender.address, ActivityKind.REPLY, request.reference)
    campaign_id = note_campaign_reply(uow.session, message.references, customer.id, utcnow())
    if campaign_id is None or not opened or asks_for_help(message.text or ""):
        return
    old, request.status, request.solved_at = request.status, Status.SOLVED, utcnow()
    reason = f"a reply to campaign {campaign_id} that asks for nothing"
    record(uow.session, request, "status_changed", "system", old=old, new=Status.SOLVED,
           reason=reason)  # fmt: skip


def _thread_or_open(
    uow: UnitOfWork,
    message: InboundMessage,
    customer: Customer,
    router: RequestRouter | None,
    team_id: int | None,
) -> tuple[ServiceRequest, Outcome, str | None]:
    """The open request this message continues (reopened if solved), or a new one."""
    match = find_thread(uow.session, message, customer)
    if match is None or match.request.status == Status.CLOSED:
        request = _open_request(uow, message, customer, router, team_id)
        return request, "created", None if match is None else f"follow_up:{match.rule}"
    _reopen_on_customer_reply(uow, match.request)
    return match.request, "appended", match.rule


def _store_message(
    uow: UnitOfWork,
    request: ServiceRequest,
    message: InboundMessage,
    customer: Customer,
    external_id: str,
    rule: str | None,
) -> Message:
    stored = Message(
        request=request,
        direction=Direction.INBOUND,
        channel=message.channel,
        external_id=external_id,
        content_hash=message.content_hash,
        thread_rule=rule,
        customer=customer,
        subject=message.subject,
        text=message.text,
        html=message.html,
        original_text=message.original_text,
        references=list(message.references),
        client_id=message.extra.get("client_id"),
        created_at=message.received_at,
        attachments=[],  # known empty: a view of the new message needs no query for them
    )
    uow.session.add(stored)
    request.updated_at = utcnow()
    return stored


def _continue_by_email_when_unattended(
    uow: UnitOfWork, request: ServiceRequest, message: InboundMessage, *, opened: bool
) -> None:
    """A live conversation that no agent is online to answer continues by email.

    The sender of a live channel (chat) waits for an answer and will have left when it
    comes; an agent's reply then goes to their email, when we know one.
    """
    if not message.live or REPLY_BY_EMAIL_TAG in request.tags:
        return
    # Only a customer with an email can be answered by email; ask SQL only then. A new
    # chat's claimed address counts: replies use it once it is confirmed (post_reply).
    customer = request.customer
    reachable = customer.email or (opened and unconfirmed_addresses(uow.session, customer.id))
    if reachable and agents_online(uow.session) == 0:
        request.tags = [*request.tags, REPLY_BY_EMAIL_TAG]


def _find_duplicate(uow: UnitOfWork, message: InboundMessage) -> tuple[Message | None, str]:
    """A second arrival of the same provider id and content is a no-op.

    The same id with different content is a different message (senders reuse Message-IDs),
    so it is stored under the id suffixed with its content hash.
    """
    external_id = message.external_id
    for candidate in (external_id, f"{external_id}#{message.content_hash[:16]}"):
        params = {"channel": message.channel, "external_id": candidate}
        found = uow.session.scalars(_BY_EXTERNAL_ID, params).one_or_none()
        if found is None:
            return None, candidate
        if found.content_hash in (None, message.content_hash):
            return found, candidate
    raise InvalidChange(f"external id {external_id!r} collides with two different contents")


def _open_request(
    uow: UnitOfWork,
    message: InboundMessage,
    customer: Customer,
    router: RequestRouter | None,
    team_id: int | None = None,
) -> ServiceRequest:
    subject = (message.subject or _first_line(message.text) or "(no subject)")[:300]
    request = ServiceRequest(
        subject=subject,
        customer=customer,
        channel=message.channel,
        thread_key=message.thread_key,
        # Set here, not by the column defaults: they apply at the flush, after routing
        # and the channel rules have read them.
        status=Status.NEW,
        priority=Priority.NORMAL,
        tags=[],
        # A mailbox may still name a team that was deleted since.
        team_id=team_id if team_id and uow.session.get(Team, team_id) else None,
        created_at=message.received_at,
        updated_at=message.received_at,
    )
    uow.session.add(request)
    # No flush here: the audit events join the request through their relationship, and
    # `receive_inbound` flushes once for the request, its events and the message.
    record(uow.session, request, "opened", "customer", channel=message.channel)
    if router is not None:
        decision = router.route(uow.session, request, f"{subject}\n{message.text}")
        request.routing_reason = decision.reason
        record(uow.session, request, "routed", "router", **decision.as_event_data())
    return request


def _announce_opened(uow: UnitOfWork, request: ServiceRequest) -> None:
    """The events of a request opened in this unit of work (after the flush gave it an id)."""
    uow.events.append(events.RequestOpened(request.id))
    if request.assignee_id is not None:
        uow.events.append(events.RequestAssigned(request.id, request.assignee_id, request.team_id))


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:120]


def _reopen_on_customer_reply(uow: UnitOfWork, request: ServiceRequest) -> None:
    if request.status in (Status.SOLVED, Status.PENDING):
        old = request.status
        request.status = Status.OPEN
        request.solved_at = None
        record(uow.session, request, "status_changed", "customer", old=old, new=Status.OPEN)
        uow.events.append(events.RequestUpdated(request.id, ("status",)))


def _store_attachments(
    stored: Message, message: InboundMessage, store: AttachmentStore | None
) -> None:
    if not message.attachments:
        return
    if store is None:
        raise InvalidChange("message has attachments but no attachment store was given")
    for item in message.attachments:
        digest = store.save(item.content)
        stored.attachments.append(
            Attachment(
                # Stored without bidi overrides, so every download and listing shows the
                # real extension ("invoice\u202efdp.exe" is an .exe).
                filename=neutralise_bidi(item.filename)[:300],
                content_type=item.content_type[:200],
                size=len(item.content),
                sha256=digest,
                inline=item.inline,
                content_id=item.content_id,
            )
        )
