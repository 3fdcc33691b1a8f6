"""The `/chat` namespace: the customer's widget.

A visitor is whoever holds a signed visitor token; they only ever join the room of the
conversation their token names, so one visitor cannot read another's conversation.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from flask_socketio import Namespace, emit, join_room
from sqlalchemy.exc import OperationalError

from channels.messages import InboundMessage
from channels.webchat import Visitor, VisitorTokens, to_inbound
from channels.webchat.identity import identify_visitor
from servicedesk.container import Container
from servicedesk.current import container_of
from servicedesk.desk.errors import DeskError
from servicedesk.desk.models import Direction, Message, Status
from servicedesk.desk.operations import REPLY_BY_EMAIL_TAG, IntakeResult, receive_inbound
from servicedesk.realtime import rooms
from servicedesk.sockets import history
from servicedesk.sockets.payloads import field, int_field, socket_id
from servicedesk.sockets.throttle import Budget
from servicedesk.sockets.writes import write

log = logging.getLogger(__name__)
EMAIL_MAX = 320
NAME_MAX = 200
SLOW_DOWN = "too many messages; wait a minute and send again"
BUSY = "the desk is busy; your message will be sent again"


@dataclass
class VisitorState:
    visitor: Visitor
    request_id: int | None = None
    name: str | None = None
    writes: Budget = dataclass_field(default_factory=Budget)


class ChatNamespace(Namespace):  # type: ignore[misc]
    """Socket events of the chat widget; every handler acknowledges with a dict."""

    def __init__(self, namespace: str = rooms.CHAT_NAMESPACE) -> None:
        super().__init__(namespace)
        self._lock = threading.Lock()
        self._visitors: dict[str, VisitorState] = {}

    def _tokens(self) -> VisitorTokens:
        return VisitorTokens(container_of().config.secret_key)

    def _state(self) -> VisitorState | None:
        with self._lock:
            return self._visitors.get(socket_id())

    def on_connect(self, auth: Any = None) -> bool:
        """Every connection gets a visitor: the token's, or a new one when it is missing."""
        token = auth.get("token") if isinstance(auth, dict) else None
        visitor = self._tokens().read(token) if token else None
        if token and visitor is None:
            return False  # a forged or expired token is refused, not silently replaced
        visitor = visitor or self._tokens().new_visitor()
        state = VisitorState(visitor)
        with container_of().uow() as uow:
            found = history.conversation_request(uow.session, visitor.conversation_id)
            state.request_id = found.id if found else None
        if state.request_id is not None:
            join_room(rooms.conversation(state.request_id))
        with self._lock:
            self._visitors[socket_id()] = state
        return True

    def on_disconnect(self, *_reason: Any) -> None:
        with self._lock:
            self._visitors.pop(socket_id(), None)

    def on_hello(self, data: Any = None) -> dict[str, Any]:
        """The visitor's token, the gap since `last_id`, and whether an agent is online."""
        state = self._state()
        if state is None:
            return {"error": "not connected"}
        last_id = int_field(data, "last_id")
        with container_of().uow() as uow:
            found = history.conversation_request(uow.session, state.visitor.conversation_id)
            messages = (
                history.messages_after(uow.session, found.id, last_id, include_notes=False)
                if found
                else []
            )
            online = history.agents_online(uow.session)
            status = found.status.value if found else None
        return {
            "token": self._tokens().issue(state.visitor),
            "visitor_id": state.visitor.visitor_id,
            "messages": messages,
            "agents_online": online,
            "status": status,
        }

    def on_message(self, data: Any = None) -> dict[str, Any]:
        """A visitor's message; the same client id twice stores it once."""
        state = self._state()
        if state is None or not isinstance(data, dict):
            return {"error": "bad request"}
        if not state.writes.spend():
            return {"error": SLOW_DOWN}
        parsed = to_inbound(state.visitor, data, display_name=state.name)
        if not isinstance(parsed, InboundMessage):
            return {"error": parsed.reason}
        container = container_of()
        try:
            result, view = write(container, lambda: _store(container, parsed))
        except DeskError as error:
            return {"error": str(error)}
        except OperationalError:
            # The database stayed locked or went away: nothing was stored, and the widget
            # keeps the message in its outbox and sends it again (same client id).
            log.warning("chat message not stored", exc_info=True)
            return {"error": BUSY}
        self._joined(state, result.request_id)
        return {"ok": True, "duplicate": result.outcome == "duplicate", "message": view}

    def _joined(self, state: VisitorState, request_id: int) -> None:
        if state.request_id != request_id:
            state.request_id = request_id
            # The socket may have closed meanwhile: the message is stored, a reconnect joins.
            with contextlib.suppress(ValueError):
                join_room(rooms.conversation(request_id))

    def on_identify(self, data: Any = None) -> dict[str, Any]:
        """The pre-chat form: a name and an email link the visitor to the CRM customer."""
        state = self._state()
        if state is None or not isinstance(data, dict):
            return {"error": "bad request"}
        if not state.writes.spend():
            return {"error": SLOW_DOWN}
        name = str(data.get("name") or "").strip()[:NAME_MAX] or None
        email = str(data.get("email") or "").strip()[:EMAIL_MAX] or None
        if email and (email.count("@") != 1 or "." not in email.split("@")[1]):
            return {"error": "that email address does not look right"}
        with container_of().uow() as uow:
            identify_visitor(uow.session, state.visitor.visitor_id, name, email)
            uow.commit()
        state.name = name or state.name
        return {"ok": True}

    def on_typing(self, data: Any = None) -> None:
        state = self._state()
        if state is None or state.request_id is None:
            return
        payload = {"request_id": state.request_id, "typing": bool(field(data, "typing"))}
        emit(
            "customer.typing",
            payload,
            to=rooms.request(state.request_id),
            namespace=rooms.CONSOLE_NAMESPACE,
        )

    def on_read(self, data: Any = None) -> None:
        """Read receipt: the visitor has seen messages up to `message_id`."""
        state = self._state()
        if state is None or state.request_id is None:
            return
        payload = {"request_id": state.request_id, "message_id": int_field(data, "message_id")}
        emit(
            "customer.read",
            payload,
            to=rooms.request(state.request_id),
            namespace=rooms.CONSOLE_NAMESPACE,
        )


def _store(container: Container, message: InboundMessage) -> tuple[IntakeResult, dict[str, Any]]:
    """Receive the message in its own unit of work; returns the result and the message view."""
    with container.uow() as uow:
        result = receive_inbound(uow, message, router=container.router)
        stored = result.message
        # Only a visitor with an email can be answered by email; ask SQL only then.
        if stored.request.customer.email and history.agents_online(uow.session) == 0:
            _tag_reply_by_email(stored)
        view = history.message_view(stored)
        uow.commit()
    return result, view


def _tag_reply_by_email(message: Message) -> None:
    # No agent is online: the conversation continues by email (see REPLY_BY_EMAIL_TAG).
    service_request = message.request
    if (
        message.direction == Direction.INBOUND
        and service_request.status != Status.CLOSED
        and REPLY_BY_EMAIL_TAG not in service_request.tags
    ):
        service_request.tags = [*service_request.tags, REPLY_BY_EMAIL_TAG]
