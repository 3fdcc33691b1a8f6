"""The Socket.IO notifier merges inbox updates and sends everything else at once."""

from __future__ import annotations

import threading
import time
from typing import Any

from servicedesk.realtime import rooms
from servicedesk.realtime.notifier import INBOX_CHANGED, SocketIONotifier


class FakeSocketIO:
    """Records emits; background tasks run on threads as in Flask-SocketIO's threading mode."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], str, str]] = []
        self.tasks: list[threading.Thread] = []

    def emit(self, event: str, payload: dict[str, Any], *, to: str, namespace: str) -> None:
        self.sent.append((event, payload, to, namespace))

    def start_background_task(self, target: Any) -> None:
        task = threading.Thread(target=target)
        task.start()
        self.tasks.append(task)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def finish(self) -> None:
        for task in self.tasks:
            task.join(timeout=5)


def test_inbox_updates_are_merged_per_interval_and_other_events_pass_at_once() -> None:
    socketio = FakeSocketIO()
    notifier = SocketIONotifier(socketio, batch_seconds=0.05)
    for request_id in (3, 1, 3):
        notifier.emit(INBOX_CHANGED, {"request_ids": [request_id]}, rooms.console())
    notifier.emit("message.created", {"message_id": 9}, rooms.request(3))
    assert [event for event, *_ in socketio.sent] == ["message.created"]

    socketio.finish()
    assert socketio.sent[1:] == [
        (INBOX_CHANGED, {"request_ids": [1, 3]}, rooms.console(), rooms.CONSOLE_NAMESPACE)
    ]
    assert len(socketio.tasks) == 1  # one flush for the whole burst

    notifier.emit(INBOX_CHANGED, {"request_ids": [4]}, rooms.console())  # a later burst
    socketio.finish()
    assert socketio.sent[-1][1] == {"request_ids": [4]} and len(socketio.tasks) == 2


def test_without_an_interval_inbox_updates_are_sent_one_by_one() -> None:
    socketio = FakeSocketIO()
    notifier = SocketIONotifier(socketio)
    notifier.emit(INBOX_CHANGED, {"request_ids": [1]}, rooms.console())
    notifier.emit(INBOX_CHANGED, {"request_ids": [2]}, rooms.console())
    assert [payload for _, payload, *_ in socketio.sent] == [
        {"request_ids": [1]},
        {"request_ids": [2]},
    ]
    assert socketio.tasks == []
