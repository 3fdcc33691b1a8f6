"""Help centre pages: search, browse by category, articles; only public published ones.

Every article lookup goes through `knowledge.help_centre`, whose queries start from
published public articles, so drafts and internal articles exist for no route here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from knowledge import help_centre
from knowledge.articles import rate_article
from knowledge.models import Article
from knowledge.rendering import render_with_contents
from servicedesk.current import container_of
from servicedesk.extensions import limiter
from servicedesk.web.portal.blueprint import portal

if TYPE_CHECKING:
    from knowledge.search import SearchResponse

MAX_QUERY = 300
portal.add_app_template_filter(help_centre.slug_of, "slug")
LOCALE_KEY = "help_locale"
DEFAULT_LOCALE = "en"
RESULTS = 10


def chosen_locale() -> str:
    """The reader's language: `?lang=` when given (and kept in the session), else theirs."""
    asked = (request.args.get("lang") or "").strip().lower()
    if asked and len(asked) <= 16 and asked.replace("-", "").isalpha():
        session[LOCALE_KEY] = asked
    kept = session.get(LOCALE_KEY)
    if isinstance(kept, str):
        return kept
    best = request.accept_languages.best
    return (best or DEFAULT_LOCALE).split("-")[0].lower()


@portal.get("")
@limiter.limit("60 per minute")
def search() -> ResponseReturnValue:
    text = (request.args.get("q") or "").strip()[:MAX_QUERY]
    locale = chosen_locale()
    response = _search(text, locale) if text else None
    with container_of().uow() as uow:
        return render_template(
            "portal/search.html",
            q=text,
            response=response,
            shelves=help_centre.shelves(uow.session, locale),
            locales=help_centre.locales(uow.session),
            locale=locale,
        )


def _search(text: str, locale: str) -> SearchResponse:
    """Answers in the reader's language first, then the rest."""
    knowledge = container_of().knowledge
    mine = knowledge.search(text, audience="portal", locale=locale, limit=RESULTS)
    if len(mine.answers) >= RESULTS:
        return mine
    everyone = knowledge.search(text, audience="portal", limit=RESULTS, log=False)
    if not mine.answers:
        return everyone
    seen = {hit.article_id for hit in mine.answers}
    others = [hit for hit in everyone.answers if hit.article_id not in seen]
    mine.hits = [*mine.answers, *others][:RESULTS]
    return mine


@portal.get("/categories/<slug>")
def category(slug: str) -> ResponseReturnValue:
    locale = chosen_locale()
    with container_of().uow() as uow:
        found = help_centre.shelf(uow.session, slug[:100], locale)
        if found is None:
            abort(404)
        return render_template("portal/category.html", shelf=found, locale=locale)


@portal.get("/articles/<int:article_id>")
def article(article_id: int) -> ResponseReturnValue:
    """The old address of an article: sends readers and search engines to the clean one."""
    with container_of().uow() as uow:
        found = _public(uow.session, article_id)
        return redirect(_canonical(found), 301)


@portal.get("/articles/<int:article_id>/<slug>")
def article_page(article_id: int, slug: str) -> ResponseReturnValue:
    locale = chosen_locale()
    with container_of().uow() as uow:
        found = _public(uow.session, article_id)
        versions = help_centre.translations(uow.session, found)
        if found.locale != locale and locale in versions:
            return redirect(_canonical(versions[locale]))
        if slug != help_centre.slug_of(found.title):
            return redirect(_canonical(found), 301)
        body_html, contents = render_with_contents(found.body)
        return render_template(
            "portal/article.html",
            article=found,
            body_html=body_html,
            contents=contents,
            related=help_centre.related_articles(uow.session, found),
            versions=versions,
            description=help_centre.meta_description(found),
            canonical=url_for(
                "portal.article_page", article_id=found.id, slug=slug, _external=True
            ),
        )


@portal.get("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    """Every public article and category page, for search engines."""
    with container_of().uow() as uow:
        articles = list(uow.session.scalars(help_centre.public_articles()))
        categories = {
            shelf.slug
            for locale in help_centre.locales(uow.session)
            for shelf in help_centre.shelves(uow.session, locale)
        }
        body = render_template(
            "portal/sitemap.xml",
            articles=[(a, _canonical(a, external=True)) for a in articles],
            categories=sorted(categories),
        )
    return body, 200, {"Content-Type": "application/xml; charset=utf-8"}


@portal.post("/articles/<int:article_id>/rate")
@limiter.limit("10 per minute")
def rate(article_id: int) -> ResponseReturnValue:
    helpful = request.form.get("helpful")
    if helpful not in {"yes", "no"}:
        abort(400, "helpful: yes or no")
    with container_of().uow() as uow:
        found = _public(uow.session, article_id)
        rate_article(
            uow.session,
            article_id,
            helpful=helpful == "yes",
            comment=(request.form.get("comment") or "")[:2000],
            source="portal",
        )
        target = _canonical(found)
        uow.commit()
    flash("Thanks for your feedback.", "ok")
    return redirect(target)


def _public(session: Session, article_id: int) -> Article:
    found = help_centre.find_public_article(session, article_id)
    if found is None:
        abort(404)  # internal and unpublished articles do not exist for readers
    return found


def _canonical(found: Article, *, external: bool = False) -> str:
    return url_for(
        "portal.article_page",
        article_id=found.id,
        slug=help_centre.slug_of(found.title),
        _external=external,
    )
