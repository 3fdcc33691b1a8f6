"""Searched texts go through the model's int8 copy: close to the float vectors, the same
articles found, and sub-batching changes no vector."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.engine import Engine

from crm_core.db import make_session_factory
from knowledge.embedding import (
    HashingEmbedder,
    MiniLMEmbedder,
    RecentEncodings,
    query_encoder_for,
    shared_query_embedder,
)
from knowledge.importing import import_articles
from knowledge.service import KnowledgeBase

DEMO_QUESTIONS = [
    row["text"]
    for row in csv.DictReader(
        (Path(__file__).resolve().parents[3] / "servicedesk/demo_data/router_examples.csv").open(
            encoding="utf-8"
        )
    )
]


def chat_turns() -> list[str]:
    """Texts of one to five questions, as a customer's turn reads (varied lengths)."""
    return ["\n".join(DEMO_QUESTIONS[i : i + 1 + i % 5]) for i in range(len(DEMO_QUESTIONS))]


@pytest.fixture(scope="module")
def int8() -> MiniLMEmbedder:
    return shared_query_embedder()


def test_int8_vectors_stay_close_to_the_float_models(
    embedder: MiniLMEmbedder, int8: MiniLMEmbedder
) -> None:
    texts = DEMO_QUESTIONS + chat_turns()
    cosines = np.sum(embedder.encode(texts) * int8.encode(texts), axis=1)

    assert int8.quantized and int8.name != embedder.name  # stored vectors never mix up
    # Measured: min 0.963, mean 0.98 (one scale per tensor instead: min 0.89).
    assert cosines.min() > 0.94
    assert cosines.mean() > 0.97


def test_each_question_is_nearest_to_its_own_float_vector(
    embedder: MiniLMEmbedder, int8: MiniLMEmbedder
) -> None:
    texts = DEMO_QUESTIONS
    similarity = int8.encode(texts) @ embedder.encode(texts).T

    assert list(similarity.argmax(axis=1)) == list(range(len(texts)))


def test_sub_batches_give_the_vectors_of_one_batch(embedder: MiniLMEmbedder) -> None:
    texts = chat_turns()[:40]  # one to five questions each: padded very differently

    np.testing.assert_allclose(
        _sharing(embedder, batch_size=8).encode(texts),
        _sharing(embedder, batch_size=64).encode(texts),
        atol=2e-5,
    )


def _sharing(loaded: MiniLMEmbedder, batch_size: int) -> MiniLMEmbedder:
    """An embedder with `loaded`'s weights (no second model load) and its own batch size."""
    other = MiniLMEmbedder(loaded.model_path, batch_size=batch_size)
    other._model = loaded._load()
    return other


def test_int8_questions_find_the_articles_stored_by_the_float_model(
    tmp_path: Path, engine: Engine, embedder: MiniLMEmbedder, int8: MiniLMEmbedder
) -> None:
    session_factory = make_session_factory(engine)
    articles = [
        {"_id": "pw", "title": "Reset your password", "text": "Use Forgot password on sign-in."},
        {"_id": "refund", "title": "Refunds", "text": "Refunds reach your card in five days."},
        {"_id": "vpn", "title": "VPN set-up", "text": "Install the VPN client, then sign in."},
    ]
    with session_factory() as session:
        report = import_articles(session, articles)
        session.commit()
    kb = KnowledgeBase(session_factory, tmp_path / "whoosh", embedder, query_embedder=int8)
    kb.index_articles(report.changed_ids)

    found = {
        text: kb.search(text, mode="semantic", log=False).hits[0].key
        for text in ("I forgot my login secret", "when do I get my money back", "remote access")
    }

    assert kb.searcher.embedder is int8
    assert found == {
        "I forgot my login secret": "pw",
        "when do I get my money back": "refund",
        "remote access": "vpn",
    }


def test_the_query_encoder_is_the_int8_copy_of_a_float_minilm_only(
    embedder: MiniLMEmbedder, int8: MiniLMEmbedder
) -> None:
    fake = HashingEmbedder()

    assert query_encoder_for(RecentEncodings(embedder)) is int8
    assert query_encoder_for(embedder) is int8
    assert query_encoder_for(fake) is fake  # a test fake searches with its own vectors
    assert query_encoder_for(int8) is int8
