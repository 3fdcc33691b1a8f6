"""Delivering agent replies through the channel adapters, exactly once when it succeeds."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from channels.base import DeliveryRefused
from channels.messages import OutboundMessage, Sender
from channels.registry import AdapterRegistry
from crm_core.customers import ChannelIdentity
from crm_core.db import UnitOfWork
from servicedesk.desk.models import DeliveryState, Direction, Message

# Channels whose replies the customer reads in our own UI: nothing to send.
UI_CHANNELS = ("portal", "webchat")


def deliver_reply(
    uow_factory: Callable[[], UnitOfWork], adapters: AdapterRegistry, message_id: int
) -> DeliveryState:
    """Send one outbound message unless it was already sent; record the provider id.

    The claim (pending → sending) commits before the send, so two workers never send
    the same message; a retry after a crash mid-send reuses the same deterministic
    provider id, which lets the receiving side recognise a repeat.
    """
    with uow_factory() as uow:
        message = uow.session.get(Message, message_id, with_for_update=True)
        if message is None or message.direction != Direction.OUTBOUND:
            return DeliveryState.FAILED
        if message.delivery_state in (DeliveryState.SENT, DeliveryState.UNCONFIRMED):
            # Sent already, or waiting for the customer to confirm the address.
            return message.delivery_state
        outbound = _outbound(uow, message)
        if message.channel not in adapters:
            # Portal and chat customers read replies in our own UI; any other channel
            # without an adapter is a configuration gap that retrying cannot fix.
            shown_in_ui = message.channel in UI_CHANNELS
            message.delivery_state = DeliveryState.SENT if shown_in_ui else DeliveryState.FAILED
            message.delivery_error = (
                None if shown_in_ui else f"no {message.channel} adapter configured"
            )
            uow.commit()
            return message.delivery_state
        message.delivery_state = DeliveryState.SENDING
        uow.commit()
    try:
        provider_id = adapters.get(outbound.channel).send(outbound)
    except DeliveryRefused as refusal:
        # Permanent: record why and return, so the job is not retried.
        _mark(uow_factory, message_id, DeliveryState.FAILED, error=str(refusal)[:2000])
        return DeliveryState.FAILED
    except Exception as error:
        _mark(uow_factory, message_id, DeliveryState.FAILED, error=repr(error)[:2000])
        raise
    _mark(uow_factory, message_id, DeliveryState.SENT, provider_id=provider_id)
    return DeliveryState.SENT


def _mark(
    uow_factory: Callable[[], UnitOfWork],
    message_id: int,
    state: DeliveryState,
    *,
    provider_id: str | None = None,
    error: str | None = None,
) -> None:
    with uow_factory() as uow:
        message = uow.session.get(Message, message_id)
        if message is None:
            return
        message.delivery_state = state
        message.delivery_error = error
        if provider_id:
            message.external_id = provider_id
        uow.commit()


def _outbound(uow: UnitOfWork, message: Message) -> OutboundMessage:
    request = message.request
    inbound = [m for m in request.messages if m.direction == Direction.INBOUND]
    same_channel = [m for m in inbound if m.channel == message.channel]
    last = same_channel[-1] if same_channel else None
    references = tuple(
        m.external_id
        for m in reversed(request.messages)
        if m.external_id and m.channel == message.channel
    )
    subject = request.subject
    return OutboundMessage(
        channel=message.channel,  # type: ignore[arg-type]
        request_id=request.id,
        request_reference=request.reference,
        message_id=message.id,
        recipient=_recipient(uow, request.customer_id, message.channel),
        text=message.text,
        html=message.html,
        subject=subject if subject.lower().startswith("re:") else f"Re: {subject}",
        external_id=f"{request.reference.lower()}.m{message.id}",
        thread_key=request.thread_key,
        in_reply_to=last.external_id if last else None,
        references=references[:20],
        author_name=message.author.name if message.author else None,
    )


def _recipient(uow: UnitOfWork, customer_id: int, channel: str) -> Sender:
    query = select(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id)
    identities = list(uow.session.scalars(query))
    kind = channel if channel != "internal" else "email"
    match = next((i for i in identities if i.kind == kind), None) or (
        identities[0] if identities else None
    )
    if match is None:
        raise LookupError(f"customer {customer_id} has no address to reply to")
    return Sender(match.kind.value, match.shown_address, match.display_name)
