"""The event ledger: each Events API `event_id` is handled once, whatever Slack re-sends."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from channels.slack.models import SlackEvent
from channels.slack.posts import WriteRunner


class EventLedger:
    """Claim an event before handling it; release the claim when handling failed, so
    Slack's retry of it is handled then."""

    def __init__(self, sessions: sessionmaker[Session], run_write: WriteRunner[Any]) -> None:
        self._sessions, self._run_write = sessions, run_write

    def claim(self, event_id: str, kind: str) -> bool:
        """True when this call claimed the event; False when it was handled (or is being)."""

        def claim() -> bool:
            with self._sessions() as session:
                if session.get(SlackEvent, event_id) is not None:
                    return False
                session.add(SlackEvent(event_id=event_id[:100], kind=kind[:60]))
                try:
                    session.commit()
                except IntegrityError:
                    return False
            return True

        return bool(self._run_write(claim))

    def release(self, event_id: str) -> None:
        def release() -> None:
            with self._sessions() as session:
                row = session.get(SlackEvent, event_id)
                if row is not None:
                    session.delete(row)
                    session.commit()

        self._run_write(release)
