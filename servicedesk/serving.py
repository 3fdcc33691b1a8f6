"""Serving the web app and Socket.IO in production: gevent when the process is patched.

`create_app` picks Flask-SocketIO's async mode from whether `patch_standard_library`
ran (see `async_mode`); tests and the embedded test server keep werkzeug's threads.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask


def patch_standard_library() -> None:
    """Make sockets, locks, sleeps and threads cooperative (gevent); call before imports."""
    from gevent import monkey

    monkey.patch_all()


def async_mode() -> str:
    """ "gevent" in a patched process, else "threading"."""
    monkey = sys.modules.get("gevent.monkey")
    return "gevent" if monkey is not None and monkey.is_module_patched("socket") else "threading"


def serve(app: Flask, host: str, port: int) -> None:
    """Serve until stopped, on gevent's WSGI server or, unpatched, werkzeug's threads."""
    from servicedesk.extensions import socketio

    # Everything loaded so far (modules, app, mappers) lives as long as the process; moving
    # it out of the collector's reach keeps full collections short. Without this, a full
    # collection paused every socket for 150-200 ms under chat load (bench/chat_latency.py).
    gc.freeze()
    SurvivorFreeze().install()
    options = {"handler_class": _gevent_handler()} if async_mode() == "gevent" else {}
    socketio.run(
        app,
        host=host,
        port=port,
        allow_unsafe_werkzeug=True,
        use_reloader=False,
        log_output=False,
        **options,
    )


def _gevent_handler() -> type:
    """gevent's handler, minus the HTTP response it wrote after each websocket session."""
    from servicedesk.websocket_handover import WebSocketHandoverHandler

    return WebSocketHandoverHandler


class SurvivorFreeze:
    """Keep full collections short: after each, freeze what survived it.

    A full collection walks every tracked object, and under chat load the heap keeps
    growing (connections, caches), so each walk paused every socket for 50-80 ms on
    SQLite and 160-210 ms on PostgreSQL (bench/loop_stalls.py). Survivors of a full
    collection are mostly long-lived, so the next one walks only what is newer. The cost:
    frozen objects that later form a garbage cycle are not collected while frozen, so
    every `thaw_every` seconds the freeze is lifted and the next full collection walks
    (and frees) everything: one long pause in that time instead of one per collection.
    """

    def __init__(
        self, thaw_every: float = 600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.thaw_every = thaw_every
        self._clock = clock
        self._last_thaw = clock()

    def install(self) -> None:
        gc.callbacks.append(self.after_collection)

    def uninstall(self) -> None:
        gc.callbacks.remove(self.after_collection)

    def after_collection(self, phase: str, info: dict[str, Any]) -> None:
        """The collector's callback: acts when a full collection stops."""
        if phase != "stop" or info["generation"] != 2:
            return
        now = self._clock()
        if now - self._last_thaw >= self.thaw_every:
            gc.unfreeze()
            self._last_thaw = now
        else:
            gc.freeze()
