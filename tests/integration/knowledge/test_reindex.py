"""`kb reindex` while the app runs: searches keep answering, concurrent updates survive."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crm_core.db import make_session_factory
from knowledge import generations, indexing
from knowledge.articles import ArticleDraft, create_article, publish_article, update_article
from knowledge.embedding import Embedder
from knowledge.service import KnowledgeBase

ARTICLES = {
    "pw": ("Reset your password", "Click Forgot password on the sign-in page."),
    "refund": ("Refunds", "Refunds reach your card within five business days."),
    "ship": ("Shipping times", "Standard shipping takes three to five business days."),
}


def publish(session_factory: Callable[[], Session], key: str, title: str, body: str) -> int:
    with session_factory() as session:
        article = create_article(session, ArticleDraft(title=title, body=body), external_key=key)
        publish_article(session, article.id, reviewer_agent_id=None, can_review=False)
        session.commit()
        return article.id


def keyword_keys(kb: KnowledgeBase, text: str) -> list[str]:
    return [hit.key for hit in kb.search(text, mode="keyword", log=False).hits]


def test_reindex_while_the_app_searches_and_writes(
    engine: Engine, tmp_path: Path, embedder: Embedder
) -> None:
    sessions = make_session_factory(engine)
    root = tmp_path / "whoosh"
    app = KnowledgeBase(sessions, root, embedder)  # the running web app and worker
    ids = {key: publish(sessions, key, *text) for key, text in ARTICLES.items()}
    app.index_articles(list(ids.values()))
    reindexer = KnowledgeBase(sessions, root, embedder)  # `servicedesk kb reindex`
    seen_during_build: list[list[str]] = []

    def meanwhile(done: int, total: int) -> None:
        if done != 1:
            return
        seen_during_build.append(keyword_keys(app, "forgot password"))
        with sessions() as session:  # an agent edits an article; the worker re-indexes it
            draft = ArticleDraft(body="Refunds are paid as store credit called a rebate.")
            update_article(session, ids["refund"], draft, author_agent_id=1)
            session.commit()
        app.index_article(ids["refund"])
        ids["new"] = publish(sessions, "new", "Gift cards", "Gift cards never expire.")
        app.index_article(ids["new"])

    with sessions() as session:
        report = indexing.rebuild_index(
            session, reindexer.keyword_index, embedder, batch=1, progress=meanwhile
        )
    assert seen_during_build == [["pw"]]  # the live index answered during the build
    assert report.articles == 4
    time.sleep(1.05)  # the app's searcher notices the new generation within a second
    assert keyword_keys(app, "rebate") == ["refund"]  # edited during the build: kept
    assert keyword_keys(app, "gift cards") == ["new"]  # published during the build: kept
    assert keyword_keys(app, "forgot password") == ["pw"]
    assert sorted(app.keyword_index.stored_ids()) == sorted(ids.values())
    assert len(list(root.glob("gen-*"))) == 1
    assert list(root.glob("*.toc"))  # the index from before generations, kept for readers
    # A second rebuild keeps the previous generation for readers, drops older ones.
    reindexer.rebuild()
    reindexer.rebuild()
    assert len(list(root.glob("gen-*"))) == 2
    assert not list(root.glob("*.toc"))  # two swaps old: removed
    app.index_article(ids["pw"])  # the app writes into the newest generation
    time.sleep(1.05)
    assert keyword_keys(reindexer, "forgot password") == ["pw"]


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    second_writer = generations.writer_lock(tmp_path, timeout=0.2)
    with generations.writer_lock(tmp_path), pytest.raises(generations.WriterBusy):
        second_writer.__enter__()
    with generations.writer_lock(tmp_path, timeout=0.2):
        pass  # released again
