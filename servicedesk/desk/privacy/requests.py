"""The desk's part of the GDPR export and of erasure: requests, messages and what hangs on them.

Redaction keeps every request row with its status, category, channel, team, assignee and
timestamps, so counts and reports stay right; what a person wrote or was written goes:
subjects, message bodies and headers, attachments (rows and stored bytes), rating
comments, routing-correction texts, event values that quote them, and the suggestions and
solved-request vectors built from that text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from functools import partial
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crm_core.jsonable import row_as_json
from crm_core.privacy import Erasure, PrivacyRegistry
from knowledge.privacy import forget_searches_quoting, forget_solved_requests
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.deflections import erase_deflections, export_deflections
from servicedesk.desk.feedback import RequestRating
from servicedesk.desk.models import (
    Attachment,
    Message,
    RequestEvent,
    RequestSuggestions,
    ServiceRequest,
)
from servicedesk.desk.routing.models import RoutingCorrection

REDACTED = "[erased]"


def export_requests(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Every request of the customer with its messages, attachment metadata, events and rating."""
    requests = session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.customer_id == customer_id)
        .order_by(ServiceRequest.id)
    ).all()
    exported = []
    for request in requests:
        rating = session.scalar(select(RequestRating).where(RequestRating.request_id == request.id))
        exported.append(
            {
                **row_as_json(request),
                "reference": request.reference,
                "messages": [_message(m) for m in request.messages],
                "events": [row_as_json(e) for e in request.events],
                "rating": row_as_json(rating) if rating else None,
            }
        )
    return exported


def _message(message: Message) -> dict[str, Any]:
    return {**row_as_json(message), "attachments": [row_as_json(a) for a in message.attachments]}


def export_messages_elsewhere(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Messages the person wrote on requests of other customers (merged, copied in)."""
    rows = session.scalars(
        select(Message)
        .join(ServiceRequest, ServiceRequest.id == Message.request_id)
        .where(Message.customer_id == customer_id, ServiceRequest.customer_id != customer_id)
        .order_by(Message.id)
    )
    return [_message(m) for m in rows]


def requests_of(session: Session, customer_id: int) -> list[int]:
    return list(
        session.scalars(select(ServiceRequest.id).where(ServiceRequest.customer_id == customer_id))
    )


def redact_requests(
    session: Session,
    request_ids: Collection[int],
    identifiers: Sequence[str],
    store: AttachmentStore | None,
    later: list[Callable[[], None]],
    extra_message_ids: Collection[int] = (),
    *,
    drop_suggestions: bool = True,
) -> int:
    """Blank what was written on these requests (and on the extra messages); returns messages.

    `drop_suggestions=False` leaves other requests' suggestion lists for the caller to
    clean once for many requests (`drop_suggestions_of`): that reads every list.
    """
    ids = sorted(request_ids)
    message_ids = sorted(
        {
            *session.scalars(select(Message.id).where(Message.request_id.in_(ids))),
            *extra_message_ids,
        }
    )
    _drop_attachments(session, message_ids, store, later)
    _redact_messages(session, message_ids)
    if ids:
        _redact_request_rows(session, ids, identifiers)
        if drop_suggestions:
            drop_suggestions_of(session, ids)
        forget_solved_requests(session, ids)
    return len(message_ids)


def _redact_request_rows(session: Session, ids: list[int], identifiers: Sequence[str]) -> None:
    """The requests' own rows and what hangs on them, messages aside."""
    session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id.in_(ids))
        .values(subject=REDACTED, thread_key=None, routing_reason=None)
    )
    session.execute(
        update(RequestRating)
        .where(RequestRating.request_id.in_(ids))
        .values(comment=None, rater=None)
    )
    session.execute(
        update(RoutingCorrection).where(RoutingCorrection.request_id.in_(ids)).values(text=REDACTED)
    )
    _scrub_events(session, ids, identifiers)
    session.execute(delete(RequestSuggestions).where(RequestSuggestions.request_id.in_(ids)))


def _redact_messages(session: Session, message_ids: list[int]) -> None:
    for message in session.scalars(select(Message).where(Message.id.in_(message_ids))):
        message.text = REDACTED
        message.subject = REDACTED if message.subject else None
        message.html = message.original_text = message.delivery_error = None
        message.references = []
        if message.external_id:
            # Hashed, not dropped: still unique per channel, and it names nobody any more.
            digest = hashlib.sha256(message.external_id.encode()).hexdigest()[:40]
            message.external_id = f"erased:{digest}"


def _drop_attachments(
    session: Session,
    message_ids: list[int],
    store: AttachmentStore | None,
    later: list[Callable[[], None]],
) -> None:
    rows = session.scalars(select(Attachment).where(Attachment.message_id.in_(message_ids))).all()
    if not rows:
        return
    digests = {row.sha256 for row in rows}
    shared = set(
        session.scalars(
            select(Attachment.sha256).where(
                Attachment.sha256.in_(digests), Attachment.message_id.not_in(message_ids)
            )
        )
    )
    session.execute(delete(Attachment).where(Attachment.id.in_([row.id for row in rows])))
    if store is not None:
        # Content-addressed: bytes another person's message also carries stay.
        for digest in sorted(digests - shared):
            later.append(partial(_delete_file, store, digest))


def _delete_file(store: AttachmentStore, digest: str) -> None:
    store.delete(digest)


def _scrub_events(session: Session, request_ids: list[int], identifiers: Sequence[str]) -> None:
    """Event values quoting the person become REDACTED; kinds, actors and times stay."""
    lowered = [value.lower() for value in identifiers if value]
    for event in session.scalars(
        select(RequestEvent).where(RequestEvent.request_id.in_(request_ids))
    ):
        cleaned = _scrub(event.data, lowered)
        if cleaned != event.data:
            event.data = cleaned


def _scrub(value: Any, lowered: list[str]) -> Any:
    if isinstance(value, str):
        return REDACTED if any(i in value.lower() for i in lowered) else value
    if isinstance(value, list):
        return [_scrub(v, lowered) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, lowered) for k, v in value.items()}
    return value


def drop_suggestions_of(session: Session, request_ids: Collection[int]) -> None:
    """These requests leave every other request's "similar solved requests" list."""
    gone = set(request_ids)
    for row in session.scalars(select(RequestSuggestions).execution_options(yield_per=500)):
        kept = [s for s in row.solved_requests if s.get("request_id") not in gone]
        if len(kept) != len(row.solved_requests):
            row.solved_requests = kept


def erase_requests(store: AttachmentStore | None) -> Callable[[Session, Erasure], None]:
    """The eraser of the desk: the person's requests and their messages anywhere."""

    def erase(session: Session, erasure: Erasure) -> None:
        request_ids = requests_of(session, erasure.customer_id)
        erasure.related["requests"] = request_ids
        elsewhere = session.scalars(
            select(Message.id).where(
                Message.customer_id == erasure.customer_id,
                Message.request_id.not_in(request_ids or [-1]),
            )
        ).all()
        redact_requests(session, request_ids, erasure.identifiers, store, erasure.later, elsewhere)

    return erase


def erase_searches(session: Session, erasure: Erasure) -> None:
    forget_searches_quoting(session, erasure.identifiers)


def add_desk_parts(registry: PrivacyRegistry, store: AttachmentStore | None) -> None:
    desk_tables = ["service_requests", "messages", "attachments", "request_events",
                   "request_ratings", "routing_corrections", "request_suggestions"]  # fmt: skip
    registry.add_exporter("requests", export_requests, desk_tables)
    registry.add_exporter("messages_on_other_requests", export_messages_elsewhere, ["messages"])
    registry.add_eraser("requests", erase_requests(store), [*desk_tables, "kb_solved_requests"])
    registry.add_eraser("search_log", erase_searches, ["kb_search_log"])
    registry.add_exporter("help_centre_deflections", export_deflections, ["portal_deflections"])
    registry.add_eraser("help_centre_deflections", erase_deflections, ["portal_deflections"])
