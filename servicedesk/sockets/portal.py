"""The `/portal` namespace: a signed-in customer's request page hears new replies live.

A customer joins the room of a request only when they may see it (their own, or their
organisation's as its manager); the page then fetches the conversation from SQL, so
nothing but a "something changed" travels over the socket.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import Namespace, join_room

from servicedesk.current import container_of
from servicedesk.desk.customer_accounts import find_visible_request
from servicedesk.desk.errors import NotFound
from servicedesk.realtime import rooms
from servicedesk.sockets.payloads import int_field
from servicedesk.sockets.portal_realm import load_portal_user


class PortalNamespace(Namespace):  # type: ignore[misc]
    """Socket events of the help centre's request page."""

    def __init__(self, namespace: str = rooms.PORTAL_NAMESPACE) -> None:
        super().__init__(namespace)

    def on_connect(self, auth: Any = None) -> bool:
        return load_portal_user() is not None

    def on_watch(self, data: Any = None) -> dict[str, Any]:
        """Join the room of one request the customer may see."""
        user = load_portal_user()
        request_id = int_field(data, "request_id")
        if user is None or request_id is None:
            return {"error": "bad request"}
        with container_of().uow() as uow:
            try:
                find_visible_request(uow.session, user, request_id)
            except NotFound:
                return {"error": "no such request"}
        join_room(rooms.portal_request(request_id))
        return {"ok": True}
