from servicedesk.desk.routing.service import CategoryService

TRAIN = {
    "billing": [
        "I was charged twice for my order",
        "please refund my last invoice",
        "the payment on my card failed",
        "why is my bill so high this month",
        "I need a copy of my invoice",
        "cancel the subscription charge",
    ],
    "delivery": [
        "my parcel has not arrived yet",
        "where is my package",
        "the courier left the box at the wrong address",
        "track my shipment",
        "delivery is three days late",
        "the item arrived damaged in transit",
    ],
    "account": [
        "I forgot my password",
        "cannot log in to my account",
        "how do I change my email address",
        "my account is locked",
        "reset my username please",
        "two factor code never arrives",
    ],
}


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
