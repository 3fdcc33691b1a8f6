"""Review rules for published articles: pending revisions, who decides, which categories count."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crm_core.db import make_session_factory
from knowledge.articles import (
    ArticleDraft,
    EditResult,
    archive_article,
    create_article,
    publish_article,
    reopen_article,
    restore_revision,
    set_category_review,
    submit_article_for_review,
    update_article,
)
from knowledge.errors import ArticleNotFound, InvalidTransition, NotAllowed, ReviewRequired
from knowledge.importing import import_articles
from knowledge.models import ArticleStatus, RevisionState
from knowledge.review import (
    approve_revision,
    latest_decision,
    pending_diff,
    pending_revision,
    reject_revision,
)

AUTHOR, OTHER, REVIEWER = 7, 9, 8


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with make_session_factory(sqlite_engine)() as session:
        set_category_review(session, "billing", review_required=True, can_review=True)
        set_category_review(session, "general", review_required=False, can_review=True)
        yield session


def published(session: Session, category: str | None = None) -> int:
    draft = ArticleDraft(title="Refunds", body="Five business days.", category=category)
    article_id = create_article(session, draft, author_agent_id=AUTHOR).id
    if category == "billing":
        submit_article_for_review(session, article_id)
        publish_article(
            session, article_id, reviewer_agent_id=REVIEWER, can_review=True, seen_revision=1
        )
    else:
        publish_article(session, article_id, reviewer_agent_id=None, can_review=False)
    return article_id


def edit(session: Session, article_id: int, agent: int = AUTHOR, **fields: Any) -> EditResult:
    return update_article(session, article_id, ArticleDraft(**fields), author_agent_id=agent)


def test_edit_without_review_goes_live(session: Session) -> None:
    article_id = published(session, "general")
    saved = edit(session, article_id, body="Three days.")
    assert saved.is_live and saved.article.body == "Three days."


@pytest.mark.parametrize(
    ("start", "move_to"),
    [("billing", None), ("general", "billing"), ("billing", "general"), ("billing", "")],
)
def test_old_and_new_category_both_count(session: Session, start: str, move_to: str | None) -> None:
    article_id = published(session, start)
    saved = edit(session, article_id, body="Pay us twice.", category=move_to)
    assert not saved.is_live
    assert (saved.article.body, saved.article.category) == ("Five business days.", start)
    assert saved.pending is not None and saved.pending.body == "Pay us twice."


def test_article_flag_makes_edits_wait_and_only_reviewers_change_it(session: Session) -> None:
    article_id = create_article(
        session, ArticleDraft(title="T", body="B", review_required=True), author_agent_id=AUTHOR
    ).id
    with pytest.raises(NotAllowed):
        edit(session, article_id, review_required=False)
    submit_article_for_review(session, article_id)
    publish_article(
        session, article_id, reviewer_agent_id=REVIEWER, can_review=True, seen_revision=1
    )
    assert not edit(session, article_id, body="New").is_live
    saved = update_article(
        session,
        article_id,
        ArticleDraft(review_required=False),
        author_agent_id=REVIEWER,
        can_review=True,
    )
    assert saved.article.review_required is False
    assert saved.pending is not None and saved.pending.body == "New"  # still waits
    later = edit(session, article_id, title="T")  # review is off now, yet "New" waits
    assert later.pending is saved.pending and later.article.body == "B"


def test_later_edits_change_the_one_pending_revision(session: Session) -> None:
    article_id = published(session, "billing")
    first = edit(session, article_id, body="One.").pending
    second = edit(session, article_id, agent=OTHER, title="Refunds, again").pending
    assert first is second and second is not None
    assert (second.version, second.contributor_ids) == (2, [AUTHOR, OTHER])
    assert (second.title, second.body) == ("Refunds, again", "One.")  # edits accumulate


def test_approval_needs_the_role_another_agent_and_the_version_seen(session: Session) -> None:
    article_id = published(session, "billing")
    edit(session, article_id, body="Pay by card.", category="general")
    with pytest.raises(NotAllowed):
        approve_revision(
            session, article_id, reviewer_agent_id=OTHER, can_review=False, seen_version=1
        )
    with pytest.raises(ReviewRequired, match="own revision"):
        approve_revision(
            session, article_id, reviewer_agent_id=AUTHOR, can_review=True, seen_version=1
        )
    with pytest.raises(InvalidTransition, match="changed since"):
        approve_revision(
            session, article_id, reviewer_agent_id=REVIEWER, can_review=True, seen_version=0
        )
    article = approve_revision(
        session, article_id, reviewer_agent_id=REVIEWER, can_review=True, seen_version=1
    )
    assert (article.body, article.category) == ("Pay by card.", "general")
    assert [r.note for r in article.revisions][-1] == "approved by a reviewer"
    assert pending_revision(session, article_id) is None
    decision = latest_decision(session, article_id)
    assert decision is not None and decision.state is RevisionState.APPROVED


def test_rejection_leaves_the_article(session: Session) -> None:
    article_id = published(session, "billing")
    edit(session, article_id, body="Wrong.")
    rejected = reject_revision(
        session,
        article_id,
        reviewer_agent_id=REVIEWER,
        can_review=True,
        seen_version=1,
        note="no",
    )
    assert rejected.state is RevisionState.REJECTED and rejected.decision_note == "no"
    assert edit(session, article_id, body="Again.").pending is not rejected


def test_pending_diff_shows_every_changed_field(session: Session) -> None:
    article_id = published(session, "billing")
    saved = edit(session, article_id, body="New body.", category="")
    assert saved.pending is not None
    diff = pending_diff(session, saved.article, saved.pending)
    assert "-category: billing" in diff and "+category: (none)" in diff
    assert "-Five business days." in diff and "+New body." in diff


def test_archive_reopen_restore_of_published_articles_need_a_reviewer(session: Session) -> None:
    article_id = published(session, "general")
    edit(session, article_id, body="Second.")
    with pytest.raises(NotAllowed):
        restore_revision(session, article_id, 1, author_agent_id=AUTHOR)
    with pytest.raises(NotAllowed):
        archive_article(session, article_id, can_review=False)
    archive_article(session, article_id, can_review=True)
    with pytest.raises(NotAllowed):
        reopen_article(session, article_id, can_review=False)
    assert reopen_article(session, article_id, can_review=True).status is ArticleStatus.DRAFT


def test_archiving_withdraws_the_pending_revision(session: Session) -> None:
    article_id = published(session, "billing")
    edit(session, article_id, body="Pending.")
    archive_article(session, article_id, can_review=True)
    decision = latest_decision(session, article_id)
    assert decision is not None and decision.state is RevisionState.WITHDRAWN
    reopen_article(session, article_id, can_review=True)
    with pytest.raises(ArticleNotFound, match="no pending revision"):
        approve_revision(
            session, article_id, reviewer_agent_id=REVIEWER, can_review=True, seen_version=1
        )


def test_only_reviewers_set_category_review(session: Session) -> None:
    with pytest.raises(NotAllowed):
        set_category_review(session, "general", review_required=False, can_review=False)


def test_import_replaces_the_article_and_withdraws_a_pending_edit(session: Session) -> None:
    import_articles(session, [{"_id": "r", "title": "Refunds", "text": "A", "category": "billing"}])
    article_id = import_articles(
        session, [{"_id": "r", "title": "Refunds", "text": "B", "category": "billing"}]
    ).changed_ids[0]
    edit(session, article_id, body="Pending.")
    import_articles(session, [{"_id": "r", "title": "Refunds", "text": "C", "category": "billing"}])
    assert pending_revision(session, article_id) is None


def test_saving_unchanged_content_opens_no_pending_revision(session: Session) -> None:
    article_id = published(session, "billing")
    saved = edit(session, article_id, title="Refunds", tags=(" ",), category=" billing ")
    assert saved.is_live and pending_revision(session, article_id) is None
    assert [r.number for r in saved.article.revisions] == [1]


def test_blank_category_clears_it(session: Session) -> None:
    article_id = create_article(
        session, ArticleDraft(title="T", category="general"), author_agent_id=AUTHOR
    ).id
    assert edit(session, article_id, category="").article.category is None
    assert edit(session, article_id, category=None).article.category is None
