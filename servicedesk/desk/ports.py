"""The ports the domain talks through; real and fake implementations live outside `desk/`."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from servicedesk.desk.models import ServiceRequest


class TaskQueue(Protocol):
    """Runs a job by name on a named queue (`mail`, `knowledge`, `default`)."""

    def enqueue(self, queue: str, job: str, *args: Any) -> None:
        """Schedule `job` (a name in the job table) with JSON-serialisable arguments."""
        ...


class Notifier(Protocol):
    """Pushes realtime events to rooms of connected consoles and chat widgets.

    `skip_sid` leaves out the socket the event came from (it already shows the change).
    """

    def emit(
        self, event: str, payload: dict[str, Any], room: str, *, skip_sid: str | None = None
    ) -> None: ...


class RoutingOutcome(Protocol):
    """What the router decided, with the reason shown to agents."""

    @property
    def reason(self) -> str: ...

    def as_event_data(self) -> dict[str, Any]: ...


class RequestRouter(Protocol):
    """Classifies and assigns a newly opened request (step 4 of intake)."""

    def route(self, session: Session, request: ServiceRequest, text: str) -> RoutingOutcome:
        """Set category, priority, language, team and assignee on the request."""
        ...


@runtime_checkable
class NoticeSender(Protocol):
    """An adapter that can mail a notice outside any request (the email adapter)."""

    def send_notice(self, recipient: str, subject: str, text: str, notice_id: str) -> str:
        """Send it; returns the provider id. Raises DeliveryRefused when it never will."""
        ...


class RepNotifier(Protocol):
    """Tells the customer's rep (the CRM owner) about an SLA alert, e.g. in Slack.

    The Slack channel provides the real one; until then the container logs.
    """

    def notify_rep(self, request_id: int, text: str) -> None: ...
