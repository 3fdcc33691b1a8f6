"""Binding the namespaces and the web chat adapter to the app's Socket.IO server."""

from __future__ import annotations

from typing import Any

from flask_socketio import SocketIO

from channels.webchat import WebchatAdapter
from servicedesk.container import Container
from servicedesk.sockets import rooms
from servicedesk.sockets.chat import ChatNamespace
from servicedesk.sockets.console import ConsoleNamespace


def init_sockets(socketio: SocketIO, container: Container) -> None:
    """Register `/console` and `/chat`, and the adapter that emits agent replies to the widget."""
    # Called after `init_app`, so these go straight onto this app's new server.
    socketio.on_namespace(ConsoleNamespace())
    socketio.on_namespace(ChatNamespace())
    if "webchat" not in container.adapters:

        def emit(event: str, payload: dict[str, Any], room: str) -> None:
            socketio.emit(event, payload, to=room, namespace=rooms.namespace_of(room))

        container.adapters.register(WebchatAdapter(emit, rooms.conversation))
