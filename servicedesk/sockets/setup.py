"""Binding the namespaces and the web chat adapter to the app's Socket.IO server."""

from __future__ import annotations

from flask_socketio import SocketIO

from servicedesk.container import Container
from servicedesk.sockets.chat import ChatNamespace
from servicedesk.sockets.console import ConsoleNamespace
from servicedesk.sockets.portal import PortalNamespace
from servicedesk.sockets.throttle import ChatLimits


def init_sockets(socketio: SocketIO, container: Container) -> None:
    """Register `/console`, `/chat` (its adapter emits replies) and `/portal`."""
    # Called after `init_app`, so these go straight onto this app's new server.
    socketio.on_namespace(ConsoleNamespace())
    config = container.config
    # Per-address limits are off while testing, like Flask-Limiter's: local clients share
    # one address (the latency bench runs 500 customers from 127.0.0.1).
    limits = ChatLimits(config.redis_url, per_address=not config.testing)
    socketio.on_namespace(ChatNamespace(limits))
    socketio.on_namespace(PortalNamespace())
