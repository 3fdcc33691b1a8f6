"""Portal views: only published public articles are ever shown or found here."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from knowledge.articles import rate_article
from knowledge.models import Article, ArticleStatus, Visibility
from knowledge.rendering import render_markdown
from servicedesk.current import container_of
from servicedesk.extensions import limiter
from servicedesk.web.portal.blueprint import portal

MAX_QUERY = 300


@portal.get("")
@limiter.limit("60 per minute")
def search() -> ResponseReturnValue:
    text = (request.args.get("q") or "").strip()[:MAX_QUERY]
    response = None
    if text:
        response = container_of().knowledge.search(text, audience="portal", limit=10)
    return render_template("portal/search.html", q=text, response=response)


def _public_article(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if (
        article is None
        or article.status != ArticleStatus.PUBLISHED
        or article.visibility != Visibility.PUBLIC
    ):
        abort(404)  # internal and unpublished articles do not exist for readers
    return article


@portal.get("/articles/<int:article_id>")
def article(article_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        found = _public_article(uow.session, article_id)
        return render_template(
            "portal/article.html", article=found, body_html=render_markdown(found.body)
        )


@portal.post("/articles/<int:article_id>/rate")
@limiter.limit("10 per minute")
def rate(article_id: int) -> ResponseReturnValue:
    helpful = request.form.get("helpful")
    if helpful not in {"yes", "no"}:
        abort(400, "helpful: yes or no")
    with container_of().uow() as uow:
        _public_article(uow.session, article_id)
        rate_article(
            uow.session,
            article_id,
            helpful=helpful == "yes",
            comment=(request.form.get("comment") or "")[:2000],
            source="portal",
        )
        uow.commit()
    flash("Thanks for your feedback.", "ok")
    return redirect(url_for("portal.article", article_id=article_id))
