"""Notifier implementations: Socket.IO (optionally through Redis) and an in-memory recorder."""

from __future__ import annotations

import logging
import threading
from typing import Any

from servicedesk.realtime.rooms import namespace_of

log = logging.getLogger(__name__)

INBOX_CHANGED = "inbox.changed"  # payload {"request_ids": [...]}; several may be merged


class SocketIONotifier:
    """Emits through Flask-SocketIO; with a Redis message queue, any process can emit.

    With `batch_seconds`, `inbox.changed` events are merged per room and sent at most once
    per interval: every customer message changes some request, and without merging each
    agent's inbox would receive (and refetch on) every one of them.
    """

    def __init__(self, socketio: Any, batch_seconds: float | None = None) -> None:
        self._socketio = socketio
        self._batch_seconds = batch_seconds
        self._lock = threading.Lock()
        self._pending: dict[str, set[int]] = {}
        self._flush_scheduled = False

    def emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        if event == INBOX_CHANGED and self._batch_seconds is not None:
            self._hold(room, payload.get("request_ids", []))
            return
        self._send(event, payload, room)

    def _send(self, event: str, payload: dict[str, Any], room: str) -> None:
        try:
            self._socketio.emit(event, payload, to=room, namespace=namespace_of(room))
        except Exception:
            # Realtime is best effort: the database is the truth and clients replay gaps.
            log.exception("could not emit %s to %s", event, room)

    def _hold(self, room: str, request_ids: list[int]) -> None:
        with self._lock:
            self._pending.setdefault(room, set()).update(request_ids)
            start = not self._flush_scheduled
            self._flush_scheduled = True
        if start:  # one short-lived task per interval with something to send, none when idle
            self._socketio.start_background_task(self._flush_later)

    def _flush_later(self) -> None:
        assert self._batch_seconds is not None
        self._socketio.sleep(self._batch_seconds)
        with self._lock:
            pending, self._pending = self._pending, {}
            self._flush_scheduled = False
        for room, ids in pending.items():
            self._send(INBOX_CHANGED, {"request_ids": sorted(ids)}, room)


class RedisNotifier:
    """For processes without a Socket.IO server (rq workers, the CLI): publishes on the Redis
    channel the web processes listen on, and they deliver to their connected clients."""

    CHANNEL = "flask-socketio"  # Flask-SocketIO's default

    def __init__(self, redis_url: str) -> None:
        from socketio import RedisManager

        self._manager = RedisManager(redis_url, channel=self.CHANNEL, write_only=True)

    def emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        try:
            self._manager.emit(event, payload, namespace=namespace_of(room), room=room)
        except Exception:
            log.exception("could not publish %s to %s", event, room)


class RecordingNotifier:
    """Keeps what was emitted; for tests and for processes without Socket.IO."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], str]] = []

    def emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        self.sent.append((event, payload, room))
