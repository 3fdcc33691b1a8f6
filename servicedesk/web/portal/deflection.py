"""Suggestions while a signed-in customer types a new request, and "this answered it"."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from channels.text import is_storable
from crm_core.db import MAX_ID
from servicedesk.current import container_of
from servicedesk.desk.deflections import record_deflection
from servicedesk.desk.errors import NotFound
from servicedesk.extensions import limiter
from servicedesk.web.portal.blueprint import portal
from servicedesk.web.portal.session import customer_required, signed_in_user

MAX_QUERY = 300


@portal.get("/suggest")
@customer_required
@limiter.limit("60 per minute")
def suggest() -> ResponseReturnValue:
    """The top public articles for what the customer typed so far."""
    text = (request.args.get("q") or "").strip()[:MAX_QUERY]
    if len(text) < 3 or not is_storable(text):
        return jsonify(articles=[])
    found = container_of().knowledge.search(text, audience="portal", limit=3, source="portal-new")
    return jsonify(
        articles=[
            {"id": hit.article_id, "title": hit.title, "snippet": hit.snippet}
            for hit in found.answers
        ]
    )


@portal.post("/deflected")
@customer_required
@limiter.limit("20 per minute")
def deflected() -> ResponseReturnValue:
    """The customer says an article answered their question; nothing is filed."""
    article_id = request.form.get("article_id", type=int)
    query = (request.form.get("query") or "")[:500]
    if article_id is None or not 0 < article_id <= MAX_ID:
        return jsonify(error="article_id: an article id"), 400
    if not is_storable(query):
        return jsonify(error="query: not valid Unicode text"), 400
    user = signed_in_user()
    with container_of().uow() as uow:
        try:
            record_deflection(uow.session, user.customer_id, article_id, query)
        except NotFound:
            return jsonify(error="article_id: no such article"), 404
        uow.commit()
    return jsonify(ok=True)
