import numpy as np

from servicedesk.desk.routing.service import CategoryService
from tests.fixtures.routing_examples import TRAIN


def test_real_model_classifies_and_declines_off_topic(tmp_path, embedder):
    service = CategoryService(tmp_path, embedder)
    texts = [t for texts in TRAIN.values() for t in texts]
    labels = [label for label, texts in TRAIN.items() for _ in texts]
    info = service.train(texts, labels)
    assert info.version == 1 and info.metrics["cv_accuracy"] > 0.5
    assert service.classify("got billed two times, want my money back").label == "billing"
    assert service.classify("package still not delivered").label == "delivery"
    assert service.classify("what is the capital of peru").out_of_scope
    # Training texts were cached by content hash: the cache file exists and is reused.
    assert (tmp_path / "router" / "embeddings").exists()


def test_real_model_gives_a_max_view_beside_its_sentence_vector(embedder):
    texts = ["my card has not arrived yet", "how do I top up by bank transfer"]
    mean, maximum = embedder.encode_views(texts)
    assert np.allclose(mean, embedder.encode(texts), atol=1e-5)
    assert np.allclose(np.linalg.norm(maximum, axis=1), 1.0, atol=1e-5)
    # A different view: not the sentence vector again.
    assert float(np.min(np.sum(mean * maximum, axis=1))) < 0.95
    empty_mean, empty_max = embedder.encode_views([])
    assert empty_mean.shape == empty_max.shape == (0, embedder.dimension)
