"""The one door into the desk: a channel's raw input, parsed by its adapter, then received.

Every entry point (chat socket, widget upload, portal form, and the next channel's web
hook) calls `IntakeDoor.accept` with the channel name and the bytes it was given: the
adapter from the registry turns them into an `InboundMessage`, and `receive_inbound`
stores it with the router and attachment store, as the process's only SQLite writer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from channels.base import Ignored, Rejected
from channels.messages import InboundMessage
from channels.registry import AdapterRegistry
from crm_core.db import UnitOfWork
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.intake import IntakeResult, receive_inbound
from servicedesk.desk.ports import RequestRouter
from servicedesk.desk.writer import WriteGuard

T = TypeVar("T")


@dataclass(frozen=True)
class Received(Generic[T]):
    """What the desk did with the message, and the caller's view of it (built in the same
    unit of work, so it costs no query)."""

    result: IntakeResult
    view: T


class IntakeDoor:
    """Parse with the channel's adapter, receive in one unit of work, commit."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        adapters: AdapterRegistry,
        guard: WriteGuard,
        *,
        router: RequestRouter | None = None,
        attachments: AttachmentStore | None = None,
    ) -> None:
        self._uow, self._adapters, self._guard = uow, adapters, guard
        self._router, self._attachments = router, attachments

    def parse(
        self, channel: str, raw: bytes, headers: Mapping[str, str] | None = None
    ) -> InboundMessage | Ignored | Rejected:
        """The registered adapter's check and reading of `raw`; nothing is stored.

        `headers` are what a pushed payload came with (a provider's signature); entry
        points that authenticated the sender themselves (the widget's token) pass none.
        """
        adapter = self._adapters.get(channel)
        if not adapter.verify(dict(headers or {}), raw):
            return Rejected(f"{channel}: the payload's signature does not verify")
        return adapter.parse(raw)

    def accept(
        self,
        channel: str,
        raw: bytes,
        view: Callable[[IntakeResult], T],
        *,
        headers: Mapping[str, str] | None = None,
        team_id: int | None = None,
    ) -> Received[T] | Ignored | Rejected:
        """Verify, parse and receive; input the adapter ignores or rejects is returned as such."""
        parsed = self.parse(channel, raw, headers)
        if not isinstance(parsed, InboundMessage):
            return parsed
        return self.receive(parsed, view, team_id=team_id)

    def receive(
        self,
        message: InboundMessage,
        view: Callable[[IntakeResult], T],
        *,
        team_id: int | None = None,
    ) -> Received[T]:
        """Store an already parsed message (`accept` without the parse)."""

        def work() -> Received[T]:
            with self._uow() as uow:
                result = receive_inbound(
                    uow,
                    message,
                    router=self._router,
                    attachments=self._attachments,
                    team_id=team_id,
                )
                shaped = view(result)
                uow.commit()
            return Received(result, shaped)

        return self._guard.run(work)
