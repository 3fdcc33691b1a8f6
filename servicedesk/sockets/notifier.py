"""Notifier implementations: Socket.IO (optionally through Redis) and an in-memory recorder."""

from __future__ import annotations

import logging
from typing import Any

from servicedesk.sockets.rooms import namespace_of

log = logging.getLogger(__name__)


class SocketIONotifier:
    """Emits through Flask-SocketIO; with a Redis message queue, any process can emit."""

    def __init__(self, socketio: Any) -> None:
        self._socketio = socketio

    def emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        try:
            self._socketio.emit(event, payload, to=room, namespace=namespace_of(room))
        except Exception:
            # Realtime is best effort: the database is the truth and clients replay gaps.
            log.exception("could not emit %s to %s", event, room)


class RecordingNotifier:
    """Keeps what was emitted; for tests and for processes without Socket.IO."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], str]] = []

    def emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        self.sent.append((event, payload, room))
