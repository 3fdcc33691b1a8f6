"""The `/chat` namespace: the customer's widget.

A visitor is whoever holds a signed visitor token; they only ever join the room of the
conversation their token names, so one visitor cannot read another's conversation.
Messages go through the desk's one intake door (`container.intake`), like every channel.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from typing import Any

from flask import request as handshake
from flask_socketio import Namespace, join_room
from sqlalchemy.exc import OperationalError

from channels.base import Ignored, Rejected
from channels.text import is_storable
from channels.webchat import Visitor, VisitorTokens, widget_payload
from channels.webchat.identity import identify_visitor
from servicedesk.current import container_of
from servicedesk.desk import conversations
from servicedesk.desk.errors import DeskError
from servicedesk.desk.identity import claim_email
from servicedesk.desk.intake import IntakeResult
from servicedesk.realtime import rooms
from servicedesk.sockets import history
from servicedesk.sockets.payloads import field, int_field, socket_id
from servicedesk.sockets.throttle import ChatAction, ChatLimits

log = logging.getLogger(__name__)
EMAIL_MAX = 320
NAME_MAX = 200
SLOW_DOWN = "too many messages; wait a minute and send again"
BUSY = "the desk is busy; your message will be sent again"
NOT_TEXT = "not valid Unicode text"


@dataclass
class VisitorState:
    visitor: Visitor
    address: str | None = None
    request_id: int | None = None
    name: str | None = None


class ChatNamespace(Namespace):  # type: ignore[misc]
    """Socket events of the chat widget; every handler acknowledges with a dict."""

    def __init__(self, limits: ChatLimits, namespace: str = rooms.CHAT_NAMESPACE) -> None:
        super().__init__(namespace)
        self._lock = threading.Lock()
        self._visitors: dict[str, VisitorState] = {}
        self._limits = limits

    def _tokens(self) -> VisitorTokens:
        return VisitorTokens(container_of().config.secret_key)

    def _state(self) -> VisitorState | None:
        with self._lock:
            return self._visitors.get(socket_id())

    def _allowed(self, state: VisitorState, action: ChatAction) -> bool:
        return self._limits.allow(action, state.visitor.visitor_id, state.address)

    def on_connect(self, auth: Any = None) -> bool:
        """Every connection gets a visitor: the token's, or a new one when it is missing."""
        token = auth.get("token") if isinstance(auth, dict) else None
        visitor = self._tokens().read(token) if token else None
        if token and visitor is None:
            return False  # a forged or expired token is refused, not silently replaced
        address = handshake.remote_addr
        if visitor is None and not self._limits.allow(ChatAction.NEW_VISITOR, None, address):
            return False
        state = VisitorState(visitor or self._tokens().new_visitor(), address)
        if not self._allowed(state, ChatAction.CONNECT):
            return False
        with container_of().uow() as uow:
            found = conversations.conversation_request(uow.session, state.visitor.conversation_id)
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
        visitor = state.visitor
        with container_of().uow() as uow:
            found = conversations.conversation_request(uow.session, visitor.conversation_id)
            messages = []
            if found is not None:
                # Only this visitor's and the conversation's customer: a merge may have
                # brought another customer's messages into the request.
                readers = conversations.visitor_customer_ids(uow.session, found, visitor.visitor_id)
                messages = conversations.messages_after(
                    uow.session,
                    found.id,
                    int_field(data, "last_id"),
                    include_notes=False,
                    customer_ids=readers,
                )
            return {
                "token": self._tokens().issue(visitor),
                "visitor_id": visitor.visitor_id,
                "messages": history.message_views(messages),
                "agents_online": conversations.agents_online(uow.session),
                "status": found.status.value if found else None,
                "rating_scale": container_of().config.rating_scale,
            }

    def on_message(self, data: Any = None) -> dict[str, Any]:
        """A visitor's message; the same client id twice stores it once.

        An error with `retry` (busy, too fast) keeps the message in the widget's outbox;
        any other error refuses it for good, so the widget stops sending it.
        """
        state = self._state()
        if state is None or not isinstance(data, dict):
            return {"error": "bad request"}
        if not self._allowed(state, ChatAction.WRITE):
            return {"error": SLOW_DOWN, "retry": True}
        raw = widget_payload(state.visitor, data, name=state.name)
        try:
            received = container_of().intake.accept("webchat", raw, _view)
        except DeskError as error:
            return {"error": str(error)}
        except OperationalError:
            # The database stayed locked or went away: nothing was stored, and the widget
            # keeps the message in its outbox and sends it again (same client id).
            log.warning("chat message not stored", exc_info=True)
            return {"error": BUSY, "retry": True}
        if isinstance(received, Rejected | Ignored):
            return {"error": received.reason}
        self._joined(state, received.result.request_id)
        duplicate = received.result.outcome == "duplicate"
        return {"ok": True, "duplicate": duplicate, "message": received.view}

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
        if not self._allowed(state, ChatAction.WRITE):
            return {"error": SLOW_DOWN}
        name = str(data.get("name") or "").strip()[:NAME_MAX] or None
        email = str(data.get("email") or "").strip()[:EMAIL_MAX] or None
        if not all(is_storable(value or "") for value in (name, email)):
            return {"error": f"name and email: {NOT_TEXT}"}
        if email and (email.count("@") != 1 or "." not in email.split("@")[1]):
            return {"error": "that email address does not look right"}
        with container_of().uow() as uow:
            customer = identify_visitor(uow.session, state.visitor.visitor_id, name)
            # Only a claim until the visitor follows the link mailed to it.
            pending = claim_email(uow, customer, email) if email else None
            uow.commit()
        state.name = name or state.name
        return {"ok": True, "confirm_email": pending is not None}

    def on_typing(self, data: Any = None) -> None:
        state = self._state()
        if state is None or state.request_id is None:
            return
        if not self._allowed(state, ChatAction.TYPING):
            return
        payload = {"request_id": state.request_id, "typing": bool(field(data, "typing"))}
        container_of().notifier.emit("customer.typing", payload, rooms.request(state.request_id))

    def on_read(self, data: Any = None) -> None:
        """Read receipt: the visitor has seen messages up to `message_id`."""
        state = self._state()
        if state is None or state.request_id is None:
            return
        if not self._allowed(state, ChatAction.TYPING):  # relayed like typing, so limited alike
            return
        payload = {"request_id": state.request_id, "message_id": int_field(data, "message_id")}
        container_of().notifier.emit("customer.read", payload, rooms.request(state.request_id))


def _view(result: IntakeResult) -> dict[str, Any]:
    return history.message_view(result.message)
