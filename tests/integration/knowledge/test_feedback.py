"""Ratings and "used in a reply" counts as a ranking prior, with the real model."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from crm_core.db import make_session_factory
from knowledge.articles import (
    ArticleDraft,
    create_article,
    publish_article,
    rate_article,
    record_article_use,
)
from knowledge.embedding import Embedder
from knowledge.service import KnowledgeBase

ARTICLES = {
    "reset-a": ("Reset your password", "Click Forgot password on the sign-in page."),
    "reset-b": ("Reset your password", "Click Forgot password on the sign-in page."),
    "shipping": ("Shipping times", "Standard shipping takes three to five business days."),
}


def build(engine: Engine, tmp_path: Path, embedder: Embedder) -> tuple[KnowledgeBase, dict]:
    sessions = make_session_factory(engine)
    kb = KnowledgeBase(sessions, tmp_path / "whoosh", embedder)
    ids = {}
    with sessions() as session:
        for key, (title, body) in ARTICLES.items():
            article = create_article(
                session, ArticleDraft(title=title, body=body), external_key=key
            )
            publish_article(session, article.id, reviewer_agent_id=None, can_review=False)
            ids[key] = article.id
        session.commit()
    kb.index_articles(list(ids.values()))
    return kb, ids


def give_feedback(kb: KnowledgeBase, engine: Engine, article_id: int, times: int) -> None:
    with make_session_factory(engine)() as session:
        for _ in range(times):
            rate_article(session, article_id, helpful=True, source="agent")
            record_article_use(session, article_id)
        session.commit()
    kb.feedback.invalidate()


def top(kb: KnowledgeBase, text: str) -> list[str]:
    return [hit.key for hit in kb.search(text, audience="agent", log=False).hits]


def test_used_and_liked_article_wins_a_tie(
    engine: Engine, tmp_path: Path, embedder: Embedder
) -> None:
    kb, ids = build(engine, tmp_path, embedder)
    assert top(kb, "how do I reset my password")[0] == "reset-a"  # id order breaks the tie
    give_feedback(kb, engine, ids["reset-b"], times=3)
    assert top(kb, "how do I reset my password")[:2] == ["reset-b", "reset-a"]


def test_feedback_never_lifts_an_irrelevant_article(
    engine: Engine, tmp_path: Path, embedder: Embedder
) -> None:
    kb, ids = build(engine, tmp_path, embedder)
    give_feedback(kb, engine, ids["shipping"], times=200)
    ranked = top(kb, "how do I reset my password")
    assert ranked.index("shipping") > ranked.index("reset-a")
    assert top(kb, "when will my parcel arrive")[0] == "shipping"
