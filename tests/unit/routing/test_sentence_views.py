import numpy as np

from knowledge.embedding import HashingEmbedder
from servicedesk.desk.routing.sentence_views import MeanMaxEncoder, join_views, mean_view
from servicedesk.desk.routing.service import CategoryService
from servicedesk.desk.routing.training import train_model

TOPICS = {
    "billing": ["invoice", "refund", "charged", "payment", "bill"],
    "shipping": ["parcel", "delivery", "courier", "tracking", "shipped"],
}


def rows():
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for label, words in TOPICS.items():
        for _ in range(12):
            picked = rng.choice(words, size=3, replace=False)
            texts.append(f"my {picked[0]} and the {picked[1]} {picked[2]}")
            labels.append(label)
    return texts, labels


def test_joined_views_are_unit_rows_and_the_mean_view_comes_back():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(4, 8)).astype(np.float32)
    mean /= np.linalg.norm(mean, axis=1, keepdims=True)
    maximum = np.abs(rng.normal(size=(4, 8))).astype(np.float32)
    joined = join_views(mean, maximum)
    assert joined.shape == (4, 16) and joined.dtype == np.float32
    assert np.allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-6)
    assert np.allclose(mean_view(joined, 8), mean, atol=1e-6)
    assert mean_view(mean, 8) is mean


def test_encoder_without_token_vectors_keeps_cosines():
    inner = HashingEmbedder(32)
    encoder = MeanMaxEncoder(inner)
    texts = ["refund my invoice", "invoice refund please", "courier lost parcel"]
    assert (encoder.dimension, encoder.name) == (64, "hashing-test+max")
    plain, doubled = inner.encode(texts), encoder.encode(texts)
    assert doubled.shape == (3, 64)
    assert np.allclose(plain @ plain.T, doubled @ doubled.T, atol=1e-6)


def test_versions_trained_on_the_mean_view_alone_still_classify(tmp_path):
    service = CategoryService(tmp_path, HashingEmbedder(128))
    texts, labels = rows()
    old_model = train_model(texts, labels, HashingEmbedder(128))
    assert old_model.classifier.dimension == 128
    service.store.save(old_model, "old-data")
    decision = service.classify("refund for my invoice")
    assert decision.label == "billing" and decision.version == 1
    service.train(texts, labels)
    assert service.store.load()[1].classifier.dimension == 256
    assert service.classify("courier lost my parcel").label == "shipping"
