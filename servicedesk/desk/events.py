"""Domain events, named in the past tense; operations append them to the unit of work.

After the transaction commits, the application's dispatcher turns them into live console
updates (notifier) and background jobs (task queue). The domain never does either itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestOpened:
    request_id: int


@dataclass(frozen=True)
class MessageReceived:
    request_id: int
    message_id: int


@dataclass(frozen=True)
class ReplyPosted:
    request_id: int
    message_id: int
    channel: str


@dataclass(frozen=True)
class NoteAdded:
    request_id: int
    message_id: int
    mentioned_agent_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RequestAssigned:
    request_id: int
    agent_id: int | None
    team_id: int | None


@dataclass(frozen=True)
class RequestUpdated:
    """Status, priority, category, tags or team changed."""

    request_id: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RequestSolved:
    """The request was marked solved (by an agent, a rule or the customer)."""

    request_id: int


@dataclass(frozen=True)
class PresenceChanged:
    """An agent came online, went away or signed off."""

    agent_id: int
    presence: str


@dataclass(frozen=True)
class CapacityChanged:
    """An agent's capacity (overall or on a channel) was changed."""

    agent_id: int


@dataclass(frozen=True)
class RequestsMerged:
    source_id: int
    target_id: int


@dataclass(frozen=True)
class ReplyReleased:
    """A reply that waited for the customer to confirm their address may now be sent."""

    request_id: int
    message_id: int
    channel: str


@dataclass(frozen=True)
class ConfirmationRequested:
    """Someone claimed an email address: mail it the confirmation link."""

    confirmation_id: int


@dataclass(frozen=True)
class SlaAlerted:
    """An SLA clock is about to breach (`warning`) or breached (`breach`)."""

    request_id: int
    clock: str
    kind: str
    agent_ids: tuple[int, ...] = ()
    notify_rep: bool = False


@dataclass(frozen=True)
class AgentsNotified:
    """An automation asked to tell these agents about a request."""

    request_id: int
    agent_ids: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class WebhookRequested:
    """An automation stored a webhook call; a job sends it after commit."""

    call_id: int


DomainEvent = (
    RequestOpened
    | MessageReceived
    | ReplyPosted
    | NoteAdded
    | RequestAssigned
    | RequestUpdated
    | RequestsMerged
    | ReplyReleased
    | ConfirmationRequested
    | PresenceChanged
    | CapacityChanged
    | SlaAlerted
    | AgentsNotified
    | WebhookRequested
)
