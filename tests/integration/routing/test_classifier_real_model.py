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
