"""Serving the web app and Socket.IO in production: gevent when the process is patched.

`create_app` picks Flask-SocketIO's async mode from whether `patch_standard_library`
ran (see `async_mode`); tests and the embedded test server keep werkzeug's threads.
"""

from __future__ import annotations

import gc
import sys

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
