"""Article workflow rules: revisions, review before publishing, archive, ratings, gap report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crm_core.db import make_session_factory, utcnow
from knowledge.articles import (
    ArticleDraft,
    archive_article,
    create_article,
    list_revisions,
    publish_article,
    rate_article,
    record_article_use,
    reopen_article,
    restore_revision,
    revision_diff,
    set_category_review,
    submit_article_for_review,
    update_article,
)
from knowledge.errors import InvalidTransition, ReviewRequired
from knowledge.importing import import_articles
from knowledge.models import ArticleStatus, SearchLog
from knowledge.reports import gap_report, stale_articles
from knowledge.text import normalize_query

AUTHOR, REVIEWER = 7, 8


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with make_session_factory(sqlite_engine)() as session:
        yield session


def new_article(session: Session, category: str | None = None) -> int:
    draft = ArticleDraft(title="Reset a password", body="Click *Forgot*.", category=category)
    return create_article(session, draft, author_agent_id=AUTHOR).id


def test_every_save_is_a_revision_with_diff_and_restore(session: Session) -> None:
    article_id = new_article(session)
    update_article(
        session, article_id, ArticleDraft(body="Click *Reset*."), author_agent_id=REVIEWER
    )
    assert [r.number for r in list_revisions(session, article_id)] == [1, 2]
    diff = revision_diff(session, article_id, 1, 2)
    assert "-Click *Forgot*." in diff
    assert "+Click *Reset*." in diff
    article = restore_revision(session, article_id, 1, author_agent_id=AUTHOR).article
    assert article.body == "Click *Forgot*."
    assert len(list_revisions(session, article_id)) == 3


def test_publishing_without_review_needs_no_reviewer(session: Session) -> None:
    article_id = new_article(session)
    article = publish_article(session, article_id, reviewer_agent_id=None, can_review=False)
    assert article.status is ArticleStatus.PUBLISHED


def test_category_review_requires_another_agent_with_the_role(session: Session) -> None:
    set_category_review(session, "billing", review_required=True, can_review=True)
    article_id = new_article(session, category="billing")
    with pytest.raises(InvalidTransition):
        publish_article(session, article_id, reviewer_agent_id=REVIEWER, can_review=True)
    submit_article_for_review(session, article_id)
    with pytest.raises(ReviewRequired, match="author"):
        publish_article(session, article_id, reviewer_agent_id=AUTHOR, can_review=True)
    with pytest.raises(ReviewRequired, match="reviewer role"):
        publish_article(session, article_id, reviewer_agent_id=REVIEWER, can_review=False)
    with pytest.raises(InvalidTransition, match="changed since"):
        publish_article(session, article_id, reviewer_agent_id=REVIEWER, can_review=True)
    article = publish_article(
        session, article_id, reviewer_agent_id=REVIEWER, can_review=True, seen_revision=1
    )
    assert article.status is ArticleStatus.PUBLISHED
    assert article.reviewer_agent_id == REVIEWER


def test_archived_articles_cannot_be_edited_until_reopened(session: Session) -> None:
    article_id = new_article(session)
    archive_article(session, article_id, can_review=False)
    with pytest.raises(InvalidTransition):
        update_article(session, article_id, ArticleDraft(title="x"), author_agent_id=AUTHOR)
    with pytest.raises(InvalidTransition):
        archive_article(session, article_id, can_review=True)
    assert reopen_article(session, article_id, can_review=False).status is ArticleStatus.DRAFT


def test_ratings_and_use_in_replies_are_counted(session: Session) -> None:
    article_id = new_article(session)
    rate_article(session, article_id, helpful=True, source="chat")
    rate_article(session, article_id, helpful=False, comment="outdated")
    article = record_article_use(session, article_id)
    assert (article.helpful_count, article.unhelpful_count, article.used_in_reply_count) == (
        1,
        1,
        1,
    )


def test_import_is_idempotent_by_external_key(session: Session) -> None:
    records = [{"_id": "a1", "title": "One", "text": "Body one"}]
    first = import_articles(session, records)
    again = import_articles(session, records)
    changed = import_articles(session, [{"_id": "a1", "title": "One", "text": "Body two"}])
    assert (first.created, again.unchanged, changed.updated) == (1, 1, 1)
    assert first.changed_ids == changed.changed_ids
    assert again.changed_ids == []


def test_gap_report_groups_unanswered_searches_and_finds_stale_articles(
    session: Session,
) -> None:
    for text, no_answer in [("Refund policy?", True), ("refund  POLICY", True), ("vpn", False)]:
        session.add(
            SearchLog(
                query=text,
                normalized_query=normalize_query(text),
                mode="hybrid",
                audience="portal",
                no_answer=no_answer,
            )
        )
    old = create_article(session, ArticleDraft(title="Old"), author_agent_id=AUTHOR)
    disliked = create_article(session, ArticleDraft(title="Disliked"), author_agent_id=AUTHOR)
    for article in (old, disliked):
        publish_article(session, article.id, reviewer_agent_id=None, can_review=False)
    old.updated_at = utcnow() - timedelta(days=400)
    for _ in range(5):
        rate_article(session, disliked.id, helpful=False)
    session.flush()
    report = gap_report(session, days=7, stale_months=12)
    assert [(g.normalized_query, g.count) for g in report.unanswered] == [("refund policy", 2)]
    reasons = {s.title: s.reason for s in stale_articles(session, months=12)}
    assert set(reasons) == {"Old", "Disliked"}
    assert "0 of 5" in reasons["Disliked"]
