"""Binding the namespaces and the web chat adapter to the app's Socket.IO server."""

from __future__ import annotations

from flask_socketio import SocketIO

from servicedesk.container import Container
from servicedesk.sockets.chat import ChatNamespace
from servicedesk.sockets.console import ConsoleNamespace


def init_sockets(socketio: SocketIO, container: Container) -> None:
    """Register `/console` and `/chat` (the container's webchat adapter emits replies)."""
    # Called after `init_app`, so these go straight onto this app's new server.
    socketio.on_namespace(ConsoleNamespace())
    socketio.on_namespace(ChatNamespace())
