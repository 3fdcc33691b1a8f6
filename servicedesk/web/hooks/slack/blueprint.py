"""`POST /slack/events`: every Slack request (events, commands, buttons, modals) arrives here.

The signature is checked by the channel's adapter before Bolt sees the request (Bolt's
own check is switched off, so there is one place that decides and logs); a request that
fails it gets 401 and changes nothing. Without a bot token and signing secret the
channel is off and the endpoint answers 404.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from flask import Blueprint, Flask, abort, current_app, request
from flask.typing import ResponseReturnValue

from channels.slack import SlackAdapter
from servicedesk.current import container_of
from servicedesk.extensions import csrf, limiter

slack = Blueprint("slack", __name__)
HANDLER_KEY = "servicedesk.slack_handler"


@slack.post("/slack/events")
@csrf.exempt  # type: ignore[misc]  # Slack signs its requests; there is no form to carry a token
@limiter.limit("1200 per minute")  # type: ignore[misc]
def events() -> ResponseReturnValue:
    container = container_of()
    if not container.config.slack_enabled or "slack" not in container.adapters:
        abort(404)
    adapter = container.adapters.get("slack")
    assert isinstance(adapter, SlackAdapter)
    if not adapter.verify(dict(request.headers), request.get_data()):
        return {"error": "the request's signature does not verify"}, 401
    if not _well_formed(request.get_data(), request.content_type or ""):
        return {"error": "the payload is not a Slack request"}, 400
    return _handler(current_app, adapter).handle(request)


def _well_formed(body: bytes, content_type: str) -> bool:
    """Bolt raises on a body it cannot decode; a signed but broken body is a plain 400."""
    try:
        if content_type.startswith("application/json"):
            return isinstance(json.loads(body), dict)
        form = parse_qs(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    if "payload" in form:
        try:
            return isinstance(json.loads(form["payload"][0]), dict)
        except ValueError:
            return False
    return True


def _handler(app: Flask, adapter: SlackAdapter):  # type: ignore[no-untyped-def]
    """Bolt's Flask handler for this app, built on first use (Bolt connects to nothing
    until a request needs the Web API)."""
    handler = app.extensions.get(HANDLER_KEY)
    if handler is None:
        from slack_bolt.adapter.flask import SlackRequestHandler

        from servicedesk.web.hooks.slack.bolt import build_bolt

        handler = SlackRequestHandler(build_bolt(container_of(app), adapter))
        app.extensions[HANDLER_KEY] = handler
    return handler
