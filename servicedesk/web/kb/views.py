"""Console views for authors and reviewers.

Every save is a revision and is reindexed; an edit of a published article that needs
review waits as a pending revision that a reviewer approves or rejects here.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db import UnitOfWork
from knowledge import articles, reports, review
from knowledge.errors import KnowledgeError
from knowledge.models import Article, ArticleStatus, Category
from knowledge.rendering import render_markdown
from servicedesk.current import container_of
from servicedesk.desk.resource_search import resource_id_of
from servicedesk.web.ids import guard_rows, parse_id
from servicedesk.web.kb.blueprint import kb
from servicedesk.web.kb.forms import ArticleForm

guard_rows(kb, "article_id", Article)


@kb.before_request
def _resources_live_in_their_library() -> ResponseReturnValue | None:
    """A resource's search entry is written from the resource library on each version:
    it is shown, and changed, on the resource's page, never edited as an article."""
    article_id = (request.view_args or {}).get("article_id")
    if article_id is None or not current_user.is_authenticated:
        return None
    with container_of().uow() as uow:
        key = uow.session.scalar(select(Article.external_key).where(Article.id == article_id))
    resource_id = resource_id_of(key)
    if resource_id is None:
        return None
    return redirect(url_for("marketing.resource", resource_id=resource_id))


def _can_review() -> bool:
    """Reviewers and admins (`has_role` counts admins as every role)."""
    return bool(current_user.has_role("reviewer"))


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
                form.to_draft(with_review_flag=True),  # asking for review needs no role
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
            review_needed=review.review_is_required(uow.session, article),
            translations=_translations(uow.session, article),
            pending=review.pending_revision(uow.session, article_id),
            last_decision=review.latest_decision(uow.session, article_id),
            can_review=_can_review(),
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
    """Reviewers and admins decide which categories need a second pair of eyes."""
    if not _can_review():
        abort(403)
    name = (request.form.get("name") or "").strip()[:120]
    if not name:
        flash("name: give the category's name", "error")
        return redirect(url_for("kb.index"))
    required = request.form.get("review_required") == "y"
    with container_of().uow() as uow:
        articles.set_category_review(
            uow.session, name, review_required=required, can_review=_can_review()
        )
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
        pending = review.pending_revision(uow.session, article_id)
        form = (
            ArticleForm()
            if request.method == "POST"
            else ArticleForm.of(pending or article, review_required=article.review_required)
        )
        if form.validate_on_submit():
            try:
                saved = articles.update_article(
                    uow.session,
                    article_id,
                    form.to_draft(with_review_flag=_can_review()),
                    author_agent_id=current_user.id,
                    can_review=_can_review(),
                )
            except KnowledgeError as error:
                flash(str(error), "error")
                return redirect(url_for("kb.show", article_id=article_id))
            if saved.is_live:
                _reindex_after_commit(uow, article_id)
            uow.commit()
            flash(_saved_message(saved), "ok")
            return redirect(url_for("kb.show", article_id=article_id))
        status = 400 if form.errors else 200
        return render_template(
            "kb/edit.html", form=form, article=article, pending=pending, can_review=_can_review()
        ), status


def _saved_message(saved: articles.EditResult) -> str:
    if saved.is_live:
        return "Saved as a new revision."
    return (
        "Saved as a pending revision: readers see the approved text until a reviewer approves it."
    )


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
    can_review, seen = _can_review(), parse_id(request.form.get("revision"))
    return _transition(
        article_id,
        "Published.",
        lambda s: articles.publish_article(
            s,
            article_id,
            reviewer_agent_id=current_user.id,
            can_review=can_review,
            seen_revision=seen,
        ),
    )


@kb.post("/<int:article_id>/archive")
@login_required  # type: ignore[misc]
def archive(article_id: int) -> ResponseReturnValue:
    can_review = _can_review()
    return _transition(
        article_id,
        "Archived.",
        lambda s: articles.archive_article(s, article_id, can_review=can_review),
    )


@kb.post("/<int:article_id>/reopen")
@login_required  # type: ignore[misc]
def reopen(article_id: int) -> ResponseReturnValue:
    can_review = _can_review()
    return _transition(
        article_id,
        "Reopened as a draft.",
        lambda s: articles.reopen_article(s, article_id, can_review=can_review),
    )


@kb.post("/<int:article_id>/revisions/<int:number>/restore")
@login_required  # type: ignore[misc]
def restore(article_id: int, number: int) -> ResponseReturnValue:
    can_review = _can_review()
    return _transition(
        article_id,
        f"Revision {number} restored (a pending revision when the article needs review).",
        lambda s: articles.restore_revision(
            s, article_id, number, author_agent_id=current_user.id, can_review=can_review
        ),
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


@kb.get("/pending")
@login_required  # type: ignore[misc]
def pending_list() -> ResponseReturnValue:
    """Every revision waiting for a reviewer."""
    with container_of().uow() as uow:
        waiting = review.pending_revisions(uow.session)
        titles = _titles(uow.session, [p.article_id for p in waiting])
        return render_template("kb/pending_list.html", waiting=waiting, titles=titles)


def _titles(session: Session, article_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Article.id, Article.title).where(Article.id.in_(article_ids)))
    return {row.id: row.title for row in rows}


@kb.get("/<int:article_id>/pending")
@login_required  # type: ignore[misc]
def pending(article_id: int) -> ResponseReturnValue:
    """The live article beside its pending revision, with a diff and the reviewer's buttons."""
    with container_of().uow() as uow:
        article = uow.session.get(Article, article_id)
        waiting = review.pending_revision(uow.session, article_id)
        if article is None or waiting is None:
            abort(404)
        return render_template(
            "kb/pending.html",
            article=article,
            pending=waiting,
            diff=review.pending_diff(uow.session, article, waiting),
            live_html=render_markdown(article.body),
            pending_html=render_markdown(waiting.body),
            can_decide=_can_review() and current_user.id not in waiting.contributor_ids,
        )


@kb.post("/<int:article_id>/pending/approve")
@login_required  # type: ignore[misc]
def approve(article_id: int) -> ResponseReturnValue:
    seen, can_review = _seen_version(), _can_review()
    return _transition(
        article_id,
        "Approved: the revision is live.",
        lambda s: review.approve_revision(
            s,
            article_id,
            reviewer_agent_id=current_user.id,
            can_review=can_review,
            seen_version=seen,
        ),
    )


@kb.post("/<int:article_id>/pending/reject")
@login_required  # type: ignore[misc]
def reject(article_id: int) -> ResponseReturnValue:
    seen, can_review = _seen_version(), _can_review()
    note = (request.form.get("note") or "").strip()[:2000]
    return _transition(
        article_id,
        "Rejected: the article stays as it was.",
        lambda s: review.reject_revision(
            s,
            article_id,
            reviewer_agent_id=current_user.id,
            can_review=can_review,
            seen_version=seen,
            note=note,
        ),
    )


def _seen_version() -> int:
    seen = parse_id(request.form.get("version"))
    if seen is None:
        abort(400, "version: the pending revision's version you looked at")
    return seen


@kb.get("/gaps")
@login_required  # type: ignore[misc]
def gaps() -> ResponseReturnValue:
    with container_of().uow() as uow:
        return render_template("kb/gaps.html", report=reports.gap_report(uow.session))
