"""Knowledge suggestions on the request page: the stored list, and "used in a reply"."""

from __future__ import annotations

from flask import abort, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from knowledge.articles import record_article_use
from knowledge.errors import ArticleNotFound
from servicedesk.current import container_of
from servicedesk.desk.models import RequestSuggestions
from servicedesk.web.console.blueprint import console


@console.get("/requests/<int:request_id>/suggestions")
@login_required  # type: ignore[misc]
def suggestions(request_id: int) -> ResponseReturnValue:
    """The panel's HTML, fetched again when the console hears `suggestions.ready`."""
    with container_of().uow() as uow:
        stored = uow.session.get(RequestSuggestions, request_id)
        return render_template(
            "console/_suggestions.html", suggestions=stored, request_id=request_id
        )


@console.post("/requests/<int:request_id>/suggestions/articles/<int:article_id>/used")
@login_required  # type: ignore[misc]
def article_used(request_id: int, article_id: int) -> ResponseReturnValue:
    """An agent inserted the article into a reply: a signal for ranking and reports."""
    with container_of().uow() as uow:
        try:
            record_article_use(uow.session, article_id)
        except ArticleNotFound:
            abort(404)
        uow.commit()
    return jsonify({"ok": True, "request_id": request_id})
