"""Search with the real model on SQLite and PostgreSQL: modes, filters, Chinese, rebuilds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_core.db import make_session_factory
from knowledge.articles import (
    ArticleDraft,
    archive_article,
    create_article,
    publish_article,
    update_article,
)
from knowledge.embedding import Embedder
from knowledge.keyword import Filters
from knowledge.models import Article, Passage, Visibility
from knowledge.service import KnowledgeBase

CORPUS = [
    (
        "pw",
        "Reset your password",
        "Open Settings, choose Security and click Forgot password. "
        "We email you a link that is valid for one hour.",
        "en",
        Visibility.PUBLIC,
    ),
    (
        "refund",
        "Refunds for cancelled orders",
        "Refunds reach your card within five business days after the cancellation is confirmed.",
        "en",
        Visibility.PUBLIC,
    ),
    (
        "err",
        "Payment failed with ERR-4012",
        "ERR-4012 means the bank declined the charge. Ask the customer to try another card.",
        "en",
        Visibility.PUBLIC,
    ),
    (
        "vpn",
        "Internal: VPN certificate rotation",
        "Agents rotate the VPN certificate every "
        "quarter with the ops runbook. Never share the private key with customers.",
        "en",
        Visibility.INTERNAL,
    ),
    (
        "zh-pw",
        "如何重置密码",
        "打开设置，选择安全，然后点击忘记密码。我们会发送一封重置邮件。",  # noqa: RUF001
        "zh",
        Visibility.PUBLIC,
    ),
    (
        "ship",
        "Shipping times",
        "Standard shipping takes three to five days; express arrives the next business day.",
        "en",
        Visibility.PUBLIC,
    ),
]


@pytest.fixture
def kb(engine: Engine, tmp_path: Path, embedder: Embedder) -> KnowledgeBase:
    sessions = make_session_factory(engine)
    base = KnowledgeBase(sessions, tmp_path / "whoosh", embedder)
    with sessions() as session:
        ids = []
        for key, title, body, locale, visibility in CORPUS:
            draft = ArticleDraft(title=title, body=body, locale=locale, visibility=visibility)
            article = create_article(session, draft, author_agent_id=1, external_key=key)
            publish_article(session, article.id, reviewer_agent_id=None, can_review=False)
            ids.append(article.id)
        session.commit()
    base.index_articles(ids)
    return base


def keys(kb: KnowledgeBase, text: str, **options: object) -> list[str]:
    return [hit.key for hit in kb.search(text, log=False, **options).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_each_mode_finds_the_right_article(kb: KnowledgeBase, mode: str) -> None:
    assert keys(kb, "I forgot my password", mode=mode)[0] in {"pw", "zh-pw"}
    assert keys(kb, "when do I get my money back", mode="semantic")[0] == "refund"


def test_paraphrase_without_shared_words_is_found_by_semantic_and_hybrid(
    kb: KnowledgeBase,
) -> None:
    assert keys(kb, "how long until my parcel arrives", mode="hybrid")[0] == "ship"


def test_exact_identifier_wins_in_hybrid(kb: KnowledgeBase) -> None:
    assert keys(kb, "customer sees ERR-4012 at checkout", mode="hybrid")[0] == "err"
    assert keys(kb, "ERR-4012", mode="keyword")[0] == "err"


def test_chinese_query_finds_the_chinese_article(kb: KnowledgeBase) -> None:
    assert keys(kb, "忘记密码怎么办", mode="keyword")[0] == "zh-pw"
    assert keys(kb, "重置密码", mode="hybrid", locale="zh") == ["zh-pw"]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_portal_never_sees_internal_articles(kb: KnowledgeBase, mode: str) -> None:
    query = "rotate the VPN certificate private key, or reset my password"
    assert "vpn" in keys(kb, query, mode=mode, audience="agent")
    portal = keys(kb, query, mode=mode, audience="portal", limit=50)
    assert "vpn" not in portal
    assert portal  # the public articles are still there


def test_off_topic_question_gets_no_answer(kb: KnowledgeBase) -> None:
    response = kb.search("who won the football world cup in 1998", log=False)
    assert response.no_answer
    assert response.answers == []
    assert not kb.search("reset my password", log=False).no_answer


def test_snippet_marks_the_matched_passage(kb: KnowledgeBase) -> None:
    hit = kb.search("refund card cancellation", log=False).hits[0]
    assert hit.key == "refund"
    assert "<mark>card</mark>" in hit.snippet


def test_unpublished_articles_leave_both_indexes(kb: KnowledgeBase, engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session:
        article_id = session.scalar(select(Article.id).where(Article.external_key == "refund"))
        assert article_id is not None
        archive_article(session, article_id, can_review=True)
        session.commit()
    kb.index_article(article_id)
    assert article_id not in kb.keyword_index.stored_ids()
    for mode in ("keyword", "semantic", "hybrid"):
        assert all(h.article_id != article_id for h in kb.search("x y", mode=mode, log=False).hits)


def _state(kb: KnowledgeBase, engine: Engine) -> tuple[object, ...]:
    with make_session_factory(engine)() as session:
        passages = session.execute(
            select(Passage.article_id, Passage.ordinal, Passage.text, Passage.embedding).order_by(
                Passage.article_id, Passage.ordinal
            )
        ).all()
    searcher = kb.keyword_index.searcher()
    docs = sorted(sorted(f.items()) for f in searcher.all_stored_fields())
    rankings = [
        [(h.key, round(h.semantic_score or 0.0, 6)) for h in kb.search(q, mode=m, log=False).hits]
        for q in ("password reset", "refund card", "重置密码", "ERR-4012")
        for m in ("keyword", "semantic", "hybrid")
    ]
    return [tuple(p) for p in passages], docs, rankings


def test_rebuild_equals_incremental_updates(kb: KnowledgeBase, engine: Engine) -> None:
    # Same passages, embeddings, whoosh documents and rankings. Raw BM25 values may move a
    # little: whoosh keeps a replaced document's statistics until its segment is merged.
    sessions = make_session_factory(engine)
    with sessions() as session:
        article_id = session.scalar(select(Passage.article_id).order_by(Passage.article_id))
        assert article_id is not None
        update_article(
            session,
            article_id,
            ArticleDraft(body="Use the reset link in the email. It expires after an hour."),
            author_agent_id=2,
        )
        session.commit()
    kb.index_article(article_id)
    incremental = _state(kb, engine)
    report = kb.rebuild()
    assert report.articles == len(CORPUS)
    assert report.encoded == 0  # unchanged passages reuse their stored embeddings
    assert _state(kb, engine) == incremental


def test_similar_solved_requests_are_suggested_to_agents(kb: KnowledgeBase) -> None:
    kb.index_solved_request(
        41, subject="Card declined", question="My card keeps getting declined", answer="Try again"
    )
    kb.index_solved_request(
        42, subject="Invoice copy", question="Need a PDF invoice", answer="Sent"
    )
    suggestions = kb.suggest_for_text("the payment with my credit card was declined", log=False)
    assert [m.request_id for m in suggestions.solved_requests][:1] == [41]
    assert suggestions.articles.hits[0].key == "err"
    kb.remove_solved_request(41)
    assert 41 not in [m.request_id for m in kb.similar_solved_requests("card declined")]


def test_bm25_over_candidates_equals_the_full_search(kb: KnowledgeBase) -> None:
    text = "password reset link email card refund"
    full = dict(kb.keyword_index.search(text, Filters(), limit=50))
    some = list(full)[:3]
    partial = kb.keyword_index.score_articles(text, some)
    assert sorted(partial) == sorted((aid, full[aid]) for aid in some)
    assert kb.keyword_index.score_articles(text, [10**9]) == []  # unknown ids are ignored


@pytest.mark.parametrize(
    "text", ["I forgot my password", "customer sees ERR-4012 at checkout", "parcel arrival"]
)
def test_skipping_bm25_never_changes_the_best_article(kb: KnowledgeBase, text: str) -> None:
    settled = kb.search(text, log=False, audience="agent").hits
    kb.searcher.settings = replace(kb.searcher.settings, skip_keyword_when_settled=False)
    always = kb.search(text, log=False, audience="agent").hits
    assert settled[0].key == always[0].key
    assert always[0].keyword_score is not None or always[0].key == "ship"


def test_has_content_is_remembered_and_refreshed_when_this_process_indexes(
    engine: Engine, tmp_path: Path, embedder: Embedder
) -> None:
    sessions = make_session_factory(engine)
    base = KnowledgeBase(sessions, tmp_path / "whoosh", embedder)
    assert base.has_content() is False
    with sessions() as session:
        draft = ArticleDraft(title="Shipping", body="Parcels take three days.", locale="en")
        article = create_article(session, draft, author_agent_id=1, external_key="s")
        publish_article(session, article.id, reviewer_agent_id=None, can_review=False)
        session.commit()
    assert base.has_content() is False  # published but not yet indexed: nothing to suggest
    base.index_article(article.id)  # indexing in this process forgets the remembered "no"
    assert base.has_content() is True
