"""Console views for authors and reviewers; every save is a revision and is reindexed."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db import UnitOfWork
from knowledge import articles, reports
from knowledge.errors import KnowledgeError
from knowledge.models import Article, ArticleStatus, Category
from knowledge.rendering import render_markdown
from servicedesk.current import container_of
from servicedesk.web.ids import guard_rows, parse_id
from servicedesk.web.kb.blueprint import kb
from servicedesk.web.kb.forms import ArticleForm

guard_rows(kb, "article_id", Article)


def _reindex_after_commit(uow: UnitOfWork, article_id: int) -> None:
    # Index writes go through the knowledge queue: one writer for the whoosh index.
    tasks = container_of().tasks
    uow.after_commit(lambda: tasks.enqueue("knowledge", "index_article", article_id))


@kb.get("")
@login_required  # type: ignore[misc]
def index() -> ResponseReturnValue:
    status = request.args.get("status") or None
    if status not in {None, *ArticleStatus}:
        abort(400, "status: not a known value")
    query = select(Article).order_by(Article.updated_at.desc()).limit(300)
    if status:
        query = query.where(Article.status == ArticleStatus(status))
    text = (request.args.get("q") or "").strip()
    with container_of().uow() as uow:
        found = _search(uow.session, text) if text else list(uow.session.scalars(query))
        categories = list(uow.session.scalars(select(Category).order_by(Category.name)))
        return render_template(
            "kb/index.html",
            articles=found,
            status=status,
            q=text,
            statuses=list(ArticleStatus),
            categories=categories,
        )


def _search(session: Session, text: str) -> list[Article]:
    hits = container_of().knowledge.search(text, audience="agent", limit=30, source="console")
    by_id = {
        a.id: a
        for a in session.scalars(
            select(Article).where(Article.id.in_([h.article_id for h in hits.hits]))
        )
    }
    return [by_id[h.article_id] for h in hits.hits if h.article_id in by_id]


@kb.route("/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new() -> ResponseReturnValue:
    form = ArticleForm()
    translation_of = request.args.get("translation_of")
    original_id = parse_id(translation_of)
    if translation_of is not None and original_id is None:
        abort(404)
    if form.validate_on_submit():
        with container_of().uow() as uow:
            if original_id is not None and uow.session.get(Article, original_id) is None:
                abort(404)
            article = articles.create_article(
                uow.session,
                form.to_draft(),
                author_agent_id=current_user.id,
                translation_of_id=original_id,
            )
            _reindex_after_commit(uow, article.id)
            uow.commit()
        flash("Draft saved.", "ok")
        return redirect(url_for("kb.show", article_id=article.id))
    return render_template("kb/edit.html", form=form, article=None), 400 if form.errors else 200


@kb.get("/<int:article_id>")
@login_required  # type: ignore[misc]
def show(article_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        article = uow.session.get(Article, article_id)
        if article is None:
            abort(404)
        return render_template(
            "kb/show.html",
            article=article,
            body_html=render_markdown(article.body),
            revisions=list(article.revisions),
            review_needed=articles.review_is_required(uow.session, article),
            translations=_translations(uow.session, article),
        )


def _translations(session: Session, article: Article) -> list[Article]:
    """The original and every translation of it, this article excluded."""
    original_id = article.translation_of_id or article.id
    query = select(Article).where(
        (Article.id == original_id) | (Article.translation_of_id == original_id),
        Article.id != article.id,
    )
    return list(session.scalars(query.order_by(Article.locale)))


@kb.post("/<int:article_id>/rate")
@login_required  # type: ignore[misc]
def rate(article_id: int) -> ResponseReturnValue:
    """An agent's rating: one of the signals that ranks articles and feeds the gap report."""
    helpful = request.form.get("helpful")
    if helpful not in {"yes", "no"}:
        abort(400, "helpful: yes or no")
    comment = (request.form.get("comment") or "")[:2000]
    return _transition(
        article_id,
        "Thanks, rating saved.",
        lambda s: articles.rate_article(
            s, article_id, helpful=helpful == "yes", comment=comment, source="agent"
        ),
    )


@kb.post("/categories")
@login_required  # type: ignore[misc]
def category_review() -> ResponseReturnValue:
    """Admins decide which categories need a second pair of eyes before publishing."""
    if not current_user.has_role("admin"):
        abort(403)
    name = (request.form.get("name") or "").strip()[:120]
    if not name:
        flash("name: give the category's name", "error")
        return redirect(url_for("kb.index"))
    required = request.form.get("review_required") == "y"
    with container_of().uow() as uow:
        articles.set_category_review(uow.session, name, review_required=required)
        uow.commit()
    flash(f"Category {name}: review {'required' if required else 'not required'}.", "ok")
    return redirect(url_for("kb.index"))


@kb.route("/<int:article_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit(article_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        article = uow.session.get(Article, article_id)
        if article is None:
            abort(404)
        form = ArticleForm() if request.method == "POST" else ArticleForm.of(article)
        if form.validate_on_submit():
            try:
                articles.update_article(
                    uow.session, article_id, form.to_draft(), author_agent_id=current_user.id
                )
            except KnowledgeError as error:
                flash(str(error), "error")
                return redirect(url_for("kb.show", article_id=article_id))
            _reindex_after_commit(uow, article_id)
            uow.commit()
            flash("Saved as a new revision.", "ok")
            return redirect(url_for("kb.show", article_id=article_id))
        status = 400 if form.errors else 200
        return render_template("kb/edit.html", form=form, article=article), status


def _transition(
    article_id: int, done: str, change: Callable[[Session], object]
) -> ResponseReturnValue:
    with container_of().uow() as uow:
        try:
            change(uow.session)
        except KnowledgeError as error:
            flash(str(error), "error")
            return redirect(url_for("kb.show", article_id=article_id))
        _reindex_after_commit(uow, article_id)
        uow.commit()
    flash(done, "ok")
    return redirect(url_for("kb.show", article_id=article_id))


@kb.post("/<int:article_id>/submit")
@login_required  # type: ignore[misc]
def submit(article_id: int) -> ResponseReturnValue:
    return _transition(
        article_id,
        "Submitted for review.",
        lambda s: articles.submit_article_for_review(s, article_id),
    )


@kb.post("/<int:article_id>/publish")
@login_required  # type: ignore[misc]
def publish(article_id: int) -> ResponseReturnValue:
    can_review = current_user.has_role("reviewer")
    return _transition(
        article_id,
        "Published.",
        lambda s: articles.publish_article(
            s, article_id, reviewer_agent_id=current_user.id, can_review=can_review
        ),
    )


@kb.post("/<int:article_id>/archive")
@login_required  # type: ignore[misc]
def archive(article_id: int) -> ResponseReturnValue:
    return _transition(article_id, "Archived.", lambda s: articles.archive_article(s, article_id))


@kb.post("/<int:article_id>/reopen")
@login_required  # type: ignore[misc]
def reopen(article_id: int) -> ResponseReturnValue:
    return _transition(
        article_id, "Reopened as a draft.", lambda s: articles.reopen_article(s, article_id)
    )


@kb.post("/<int:article_id>/revisions/<int:number>/restore")
@login_required  # type: ignore[misc]
def restore(article_id: int, number: int) -> ResponseReturnValue:
    return _transition(
        article_id,
        f"Revision {number} restored as a new revision.",
        lambda s: articles.restore_revision(s, article_id, number, author_agent_id=current_user.id),
    )


@kb.get("/<int:article_id>/diff")
@login_required  # type: ignore[misc]
def diff(article_id: int) -> ResponseReturnValue:
    old, new = parse_id(request.args.get("old")), parse_id(request.args.get("new"))
    if old is None or new is None:
        abort(400, "old, new: revision numbers")
    with container_of().uow() as uow:
        try:
            text = articles.revision_diff(uow.session, article_id, old, new)
        except KnowledgeError:
            abort(404)
        return render_template("kb/diff.html", article_id=article_id, diff=text, old=old, new=new)


@kb.get("/gaps")
@login_required  # type: ignore[misc]
def gaps() -> ResponseReturnValue:
    with container_of().uow() as uow:
        return render_template("kb/gaps.html", report=reports.gap_report(uow.session))
