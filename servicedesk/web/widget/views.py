"""Widget endpoints: script, socket.io client, demo page, upload, CSAT, suggestions.

Visitors authenticate with their signed token (no cookies, no CSRF token: the widget runs
on the customer's site), and cross-origin calls are answered only for allowed origins.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from flask import Response, abort, jsonify, render_template, request, send_file
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from channels.base import Ignored, Rejected
from channels.messages import AttachmentData
from channels.text import is_storable
from channels.webchat import Visitor, VisitorTokens, widget_payload
from channels.webchat.models import ChatDeflection
from knowledge.articles import rate_article
from knowledge.models import Article, ArticleStatus, Visibility
from servicedesk.current import container_of
from servicedesk.desk import conversations
from servicedesk.desk.errors import DeskError
from servicedesk.desk.feedback import SCALES, rate_request
from servicedesk.desk.intake import IntakeResult
from servicedesk.extensions import csrf, limiter
from servicedesk.paths import ROOT
from servicedesk.sockets import history
from servicedesk.web.ids import MAX_ID
from servicedesk.web.widget.blueprint import widget
from servicedesk.web.widget.uploads import UploadRefused, checked_upload

log = logging.getLogger(__name__)
STATIC = ROOT / "servicedesk" / "static" / "widget"
SOCKET_IO_CLIENT = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
CHART_JS = ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
COMMENT_MAX = 2000
# Anyone on the internet can call these; the limits are per client address. Preflights
# (OPTIONS) are not counted, so a visitor's real calls are never starved by them.
WRITE_LIMIT = "20 per minute"
READ_LIMIT = "60 per minute"


@widget.after_request
def _allow_widget_origins(response: Response) -> Response:
    origin = request.headers.get("Origin")
    config = container_of().config
    if origin and origin in (config.base_url, *config.widget_origins):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Vary"] = "Origin"
    return response


@widget.get("/widget.js")
def script() -> ResponseReturnValue:
    response = send_file(STATIC / "widget.js", mimetype="text/javascript", max_age=300)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@widget.get("/widget/vendor/socket.io.min.js")
def socket_io_client() -> ResponseReturnValue:
    """socket.io-client from npm (`npm ci`), never from a CDN."""
    return _npm_script(SOCKET_IO_CLIENT)


@widget.get("/vendor/chart.umd.min.js")
def chart_js() -> ResponseReturnValue:
    """Chart.js from npm, for the console's report charts."""
    return _npm_script(CHART_JS)


def _npm_script(path: Path) -> ResponseReturnValue:
    if not path.exists():
        log.error("%s is missing: run `npm ci` in %s", path, ROOT)
        abort(404)
    response = send_file(path, mimetype="text/javascript", max_age=86400)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@widget.get("/widget/demo")
def demo() -> ResponseReturnValue:
    """A customer's web page with the one-tag embed, for trying the widget."""
    return render_template("widget/demo.html", suggest=request.args.get("suggest", "on"))


def _visitor(data: Any) -> Visitor:
    token = data.get("token") if hasattr(data, "get") else None
    visitor = VisitorTokens(container_of().config.secret_key).read(token)
    if visitor is None:
        abort(401)
    return visitor


@widget.route("/widget/upload", methods=["POST", "OPTIONS"])
@csrf.exempt  # type: ignore[misc]
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def upload() -> ResponseReturnValue:
    """A file from the visitor, stored as a chat message with an attachment."""
    if request.method == "OPTIONS":
        return Response(status=204)
    visitor = _visitor(request.form)
    container = container_of()
    limit = min(container.config.attachment_max_bytes, 10 * 1024 * 1024)
    try:
        attachment: AttachmentData = checked_upload(request.files.get("file"), limit)
    except UploadRefused as refused:
        return jsonify(error=str(refused)), refused.status
    fields = {"text": request.form.get("text", ""), "client_id": request.form.get("client_id")}
    raw = widget_payload(visitor, fields, attachments=(attachment,))
    try:
        received = container.intake.accept("webchat", raw, _message_view)
    except DeskError as error:
        return jsonify(error=str(error)), 400
    if isinstance(received, Rejected | Ignored):
        return jsonify(error=received.reason), 400
    return jsonify(ok=True, message=received.view)


def _message_view(result: IntakeResult) -> dict[str, Any]:
    return history.message_view(result.message)


@widget.route("/widget/csat", methods=["POST", "OPTIONS"])
@csrf.exempt  # type: ignore[misc]
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def csat() -> ResponseReturnValue:
    """One-click rating (on the desk's scale) with an optional comment, once the chat is solved."""
    if request.method == "OPTIONS":
        return Response(status=204)
    data = request.get_json(silent=True) or {}
    visitor = _visitor(data)
    rating = str(data.get("rating"))
    scale = container_of().config.rating_scale
    if rating not in SCALES[scale]:
        return jsonify(error="rating: " + " or ".join(SCALES[scale])), 400
    comment = str(data.get("comment") or "").strip()[:COMMENT_MAX] or None
    if comment and not is_storable(comment):
        return jsonify(error="comment: not valid Unicode text"), 400
    with container_of().uow() as uow:
        found = conversations.conversation_request(uow.session, visitor.conversation_id)
        if found is None:
            return jsonify(error="the conversation is not solved yet"), 409
        try:
            rate_request(
                uow,
                found.id,
                rating,
                comment,
                channel="webchat",
                rater=visitor.visitor_id,
                scale=scale,
            )
        except DeskError as error:
            return jsonify(error=str(error)), 409
        uow.commit()
    return jsonify(ok=True)


@widget.get("/widget/suggest")
@limiter.limit(READ_LIMIT)
def suggest() -> ResponseReturnValue:
    """Public articles that may answer the visitor's question before an agent joins."""
    _visitor(request.args)
    text = request.args.get("q", "").strip()[:500]
    if not text:
        return jsonify(articles=[])
    try:
        found = container_of().knowledge.search(text, audience="portal", limit=3, source="widget")
    except Exception:
        # Suggestions are a bonus: a missing index or model must not break the chat.
        log.exception("widget suggestions failed")
        return jsonify(articles=[])
    articles = [
        {"id": hit.article_id, "title": hit.title, "snippet": hit.snippet} for hit in found.answers
    ]
    return jsonify(articles=articles)


@widget.route("/widget/deflect", methods=["POST", "OPTIONS"])
@csrf.exempt  # type: ignore[misc]
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def deflect() -> ResponseReturnValue:
    """The visitor says an article answered the question: recorded as a deflection."""
    if request.method == "OPTIONS":
        return Response(status=204)
    data = request.get_json(silent=True) or {}
    visitor = _visitor(data)
    article_id = data.get("article_id")
    if type(article_id) is not int or not 0 < article_id <= MAX_ID:  # JSON true is no id
        return jsonify(error="article_id: an article id"), 400
    query = str(data.get("query") or "")[:500]
    if not is_storable(query):
        return jsonify(error="query: not valid Unicode text"), 400
    with container_of().uow() as uow:
        # Only articles the widget could have suggested count; anything else would skew
        # the deflection report (and tell a visitor which internal ids exist).
        if not _is_public(uow.session.get(Article, article_id)):
            return jsonify(error="article_id: no such article"), 404
        if _already_deflected(uow.session, visitor.visitor_id, article_id):
            return jsonify(ok=True)  # counts feed ranking: one per visitor and article
        uow.session.add(
            ChatDeflection(visitor_id=visitor.visitor_id, article_id=article_id, query=query)
        )
        # A deflection is the chat's "this was helpful": it counts among the article's ratings.
        rate_article(uow.session, article_id, helpful=True, comment=query, source="chat")
        with contextlib.suppress(IntegrityError):  # the same click, sent twice at once
            uow.commit()
    return jsonify(ok=True)


def _already_deflected(session: Session, visitor_id: str, article_id: int) -> bool:
    query = select(ChatDeflection.id).where(
        ChatDeflection.visitor_id == visitor_id, ChatDeflection.article_id == article_id
    )
    return session.scalars(query.limit(1)).first() is not None


def _is_public(article: Article | None) -> bool:
    return (
        article is not None
        and article.status == ArticleStatus.PUBLISHED
        and article.visibility == Visibility.PUBLIC
    )
