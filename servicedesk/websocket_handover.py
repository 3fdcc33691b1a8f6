"""gevent's WSGI handler, taught that a websocket upgrade hands the connection over for good.

Under `servicedesk serve` engine.io runs websockets with simple-websocket, which takes the
connection's socket from gevent's environ and speaks the websocket protocol on it. When the
browser leaves the page and the websocket closes, engine.io still answers the upgrade
request as if it were HTTP ("200 OK" after an upgrade from polling), and gevent's handler
writes that response onto the connection right behind the websocket's close frame, then
waits on it for another HTTP request. Chromium reads the HTTP bytes as a frame and logs
"WebSocket connection ... failed: Invalid frame header". (Werkzeug and gunicorn are spared:
simple-websocket raises there to stop the response.)

This handler writes nothing after a websocket session and closes the connection, as
RFC 6455 section 7.1.1 asks of the server once the closing handshake is done. An upgrade
that the app refused (an error status, sent before any handshake) is answered as usual.
"""

from __future__ import annotations

from gevent import pywsgi

# Flask-SocketIO's default path, which the app keeps: only engine.io hands sockets over.
ENGINE_IO_PATH = "/socket.io/"


class WebSocketHandoverHandler(pywsgi.WSGIHandler):  # type: ignore[misc]
    """Answer ordinary requests as gevent does; after a websocket session, only close."""

    def process_result(self) -> None:
        if not self._asked_for_websocket():
            super().process_result()
            return
        # Whatever follows an upgrade request, the connection never carries HTTP again.
        self.close_connection = True
        if self._was_refused():
            super().process_result()

    def _asked_for_websocket(self) -> bool:
        environ = self.environ
        upgrade = str(environ.get("HTTP_UPGRADE", "")).lower() == "websocket"
        return upgrade and str(environ.get("PATH_INFO", "")).startswith(ENGINE_IO_PATH)

    def _was_refused(self) -> bool:
        """An error status: the app turned the upgrade down before any handshake."""
        return self.status is not None and int(self.status[:3]) >= 400
