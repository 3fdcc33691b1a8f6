"""The `/console` namespace: live inbox, request pages, presence and collision for agents.

Only signed-in agents connect (the Flask-Login session cookie comes with the handshake);
each handler checks again because a session can end while the socket stays open.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import request
from flask_login import current_user
from flask_socketio import Namespace, SocketIO, join_room, leave_room

from channels.text import is_storable
from servicedesk.container import Container
from servicedesk.current import container_of
from servicedesk.desk import conversations, operations, queries
from servicedesk.desk.errors import DeskError, StaleReply
from servicedesk.desk.models import Presence, Status
from servicedesk.desk.operations import set_presence
from servicedesk.realtime import rooms
from servicedesk.sockets import history
from servicedesk.sockets.payloads import field, int_field, socket_id
from servicedesk.sockets.presence import Collision

CHOSEN_PRESENCE = {Presence.ONLINE.value, Presence.AWAY.value}
# The reply form's cap (web/console/forms.py); a socket reply is the same reply.
REPLY_MAX_CHARS = 100_000


def _agent_id() -> int | None:
    return int(current_user.id) if current_user.is_authenticated else None


def _from_the_desk() -> bool:
    """Whether the handshake comes from the desk's own pages (or from no browser page).

    Socket.IO accepts the widget's origins too, for `/chat`. A page on a widget origin
    that is same-site with the desk would send the agent's Lax session cookie along, so
    `/console` must refuse it or that page could read and answer every request.
    """
    origin = request.headers.get("Origin")
    if origin is None:  # same-origin long-polling GETs and non-browser clients send none
        return True
    desk = urlsplit(container_of().config.base_url)
    return origin == f"{desk.scheme}://{desk.netloc}"


class ConsoleNamespace(Namespace):  # type: ignore[misc]
    """Socket events of the agent console; handlers acknowledge with a dict."""

    def __init__(self, namespace: str = rooms.CONSOLE_NAMESPACE) -> None:
        super().__init__(namespace)
        self.collision = Collision()

    def on_connect(self, auth: Any = None) -> bool:
        agent_id = _agent_id()
        if agent_id is None or not _from_the_desk():
            return False
        join_room(rooms.console())
        join_room(rooms.agent(agent_id))
        self.collision.connected(agent_id, socket_id())
        self._set_presence(agent_id, Presence.ONLINE)
        return True

    def on_disconnect(self, *_reason: Any) -> None:
        agent_id = _agent_id()
        if agent_id is None:
            return
        last, left = self.collision.disconnected(agent_id, socket_id())
        for request_id in left:
            self._broadcast_viewers(request_id)
        if last:
            self._set_presence(agent_id, Presence.OFFLINE)

    def _set_presence(self, agent_id: int, presence: Presence) -> None:
        container = container_of()

        def store() -> bool:
            with container.uow() as uow:
                stored = set_presence(uow, agent_id, presence)
                uow.commit()
            return stored

        changed = container.write_guard.run(store)
        if changed:
            payload = {"agent_id": agent_id, "presence": presence.value}
            container.notifier.emit("presence", payload, rooms.console())

    def on_presence(self, data: Any = None) -> dict[str, Any]:
        """The console reports `online` or `away` (after idle); offline is the disconnect."""
        agent_id, wanted = _agent_id(), field(data, "presence")
        if agent_id is None:
            return {"error": "bad request"}
        # isinstance first: a list or dict payload is unhashable and `in` a set would raise.
        if not isinstance(wanted, str) or wanted not in CHOSEN_PRESENCE:
            return {"error": "presence: online or away"}
        self._set_presence(agent_id, Presence(wanted))
        return {"ok": True}

    def on_view(self, data: Any = None) -> dict[str, Any]:
        """The agent opened a request page: join its room and tell the others."""
        agent_id, request_id = _agent_id(), int_field(data, "request_id")
        if agent_id is None or not request_id:
            return {"error": "bad request"}
        join_room(rooms.request(request_id))
        self.collision.view(request_id, socket_id(), agent_id, current_user.name)
        return {"viewers": self._broadcast_viewers(request_id)}

    def on_watch_board(self, _data: Any = None) -> dict[str, Any]:
        """The agent opened the sales board: deal moves by others reach it live."""
        if _agent_id() is None:
            return {"error": "bad request"}
        join_room(rooms.sales_board())
        return {"ok": True}

    def on_unview(self, data: Any = None) -> None:
        request_id = int_field(data, "request_id")
        leave_room(rooms.request(request_id))
        self.collision.leave(request_id, socket_id())
        self._broadcast_viewers(request_id)

    def _broadcast_viewers(self, request_id: int) -> list[dict[str, object]]:
        viewers = self.collision.viewers(request_id)
        payload = {"request_id": request_id, "viewers": viewers}
        container_of().notifier.emit("viewers", payload, rooms.request(request_id))
        return viewers

    def on_typing(self, data: Any = None) -> None:
        """Other agents see who is typing; a chat customer sees that an agent is."""
        agent_id, request_id = _agent_id(), int_field(data, "request_id")
        if agent_id is None or not request_id:
            return
        typing = bool(field(data, "typing"))
        payload = {"request_id": request_id, "agent_id": agent_id, "name": current_user.name}
        payload["typing"] = typing
        notifier = container_of().notifier
        notifier.emit("typing", payload, rooms.request(request_id), skip_sid=socket_id())
        if field(data, "reply"):
            to_customer = {"typing": typing, "name": current_user.name}
            notifier.emit("agent.typing", to_customer, rooms.conversation(request_id))

    def on_read(self, data: Any = None) -> None:
        """Read receipt for the chat customer: the agent has seen up to `message_id`."""
        request_id = int_field(data, "request_id")
        if _agent_id() is None or not request_id:
            return
        payload = {"message_id": int_field(data, "message_id"), "name": current_user.name}
        container_of().notifier.emit("agent.read", payload, rooms.conversation(request_id))

    def on_sync(self, data: Any = None) -> dict[str, Any]:
        """Messages (notes included) after `after_id`: live updates and reconnect replay."""
        request_id = int_field(data, "request_id")
        if _agent_id() is None or not request_id:
            return {"error": "bad request"}
        with container_of().uow() as uow:
            after = int_field(data, "after_id")
            found = conversations.messages_after(uow.session, request_id, after, include_notes=True)
            return {"messages": history.message_views(found)}

    def on_counts(self, _data: Any = None) -> dict[str, Any]:
        agent_id = _agent_id()
        if agent_id is None:
            return {"error": "bad request"}
        with container_of().uow() as uow:
            return {"counts": queries.view_counts(uow.session, agent_id)}

    def on_reply(self, data: Any = None) -> dict[str, Any]:
        """Send a reply unless the agent's view is stale; then the newer messages come back."""
        agent_id, request_id = _agent_id(), int_field(data, "request_id")
        text = field(data, "text")
        if agent_id is None or not request_id:
            return {"error": "bad request"}
        problem = _reply_text_problem(text)
        if problem:
            return {"error": problem}
        seen = int_field(data, "seen_message_id") or None
        status_after = field(data, "status_after")
        known = isinstance(status_after, str) and status_after in set(Status)
        status = Status(status_after) if known else None
        container = container_of()
        return container.write_guard.run(
            lambda: _post_reply(container, request_id, agent_id, text, seen, status)
        )


def _reply_text_problem(text: Any) -> str | None:
    """Why the reply's text cannot be stored, or None."""
    if not isinstance(text, str):
        return "text: the reply's text"
    if len(text) > REPLY_MAX_CHARS:
        return f"text: a reply is at most {REPLY_MAX_CHARS} characters"
    if not is_storable(text):
        return "text: not valid Unicode text"
    return None


def _post_reply(
    container: Container,
    request_id: int,
    agent_id: int,
    text: str,
    seen: int | None,
    status: Status | None,
) -> dict[str, Any]:
    with container.uow() as uow:
        try:
            reply = operations.post_reply(
                uow, request_id, agent_id, text, seen_message_id=seen, status_after=status
            )
            view = history.message_view(reply)
            uow.commit()
        except StaleReply as stale:
            newer = conversations.messages_after(
                uow.session, request_id, seen or 0, include_notes=True
            )
            return {"stale": stale.newer_message_ids, "messages": history.message_views(newer)}
        except DeskError as error:
            return {"error": str(error)}
    return {"ok": True, "message": view}


def disconnect_agent(socketio: SocketIO, agent_id: int) -> None:
    """Close every console socket of one agent (sign-out ends the live session too)."""
    server = socketio.server
    if server is None:
        return
    room = rooms.agent(agent_id)
    for sid, _ in list(server.manager.get_participants(rooms.CONSOLE_NAMESPACE, room)):
        server.disconnect(sid, namespace=rooms.CONSOLE_NAMESPACE)
