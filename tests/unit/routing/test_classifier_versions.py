import numpy as np
import pytest

from knowledge.embedding import HashingEmbedder
from servicedesk.desk.routing.dataset import read_labelled_csv
from servicedesk.desk.routing.metrics import evaluate
from servicedesk.desk.routing.service import CategoryService
from servicedesk.desk.routing.training import Classification, TrainingDataError, train_model
from servicedesk.desk.routing.versions import ModelStore, NoActiveModelError

TOPICS = {
    "billing": ["invoice", "refund", "charged", "payment", "bill"],
    "shipping": ["parcel", "delivery", "courier", "tracking", "shipped"],
    "account": ["password", "login", "username", "locked", "signin"],
}


def rows(per_topic=12, seed=0):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label, words in TOPICS.items():
        for _ in range(per_topic):
            picked = rng.choice(words, size=3, replace=False)
            texts.append(f"my {picked[0]} and the {picked[1]} {picked[2]}")
            labels.append(label)
    return texts, labels


def test_model_learns_topics_and_declines_unrelated_text():
    texts, labels = rows()
    model = train_model(texts, labels, HashingEmbedder(128))
    probe = ["refund for my invoice", "courier lost my parcel", "zebra giraffe volcano"]
    decisions = model.classify(probe, HashingEmbedder(128).encode(probe))
    assert [d.label for d in decisions[:2]] == ["billing", "shipping"]
    assert not decisions[0].out_of_scope
    assert decisions[2].out_of_scope
    assert 0.5 < model.metrics["cv_accuracy"] <= 1.0


def test_one_class_is_rejected():
    with pytest.raises(TrainingDataError, match="only one class"):
        train_model(["a", "b"], ["x", "x"], HashingEmbedder())


def test_versions_roll_back_and_bad_data_leaves_active_untouched(tmp_path):
    service = CategoryService(tmp_path, HashingEmbedder(128))
    texts, labels = rows()
    first = service.train(texts, labels)
    second = service.train(*rows(seed=1))
    assert (first.version, second.version) == (1, 2)
    assert service.classify("refund invoice").version == 2
    service.store.activate(1)
    assert service.classify("refund invoice").version == 1
    with pytest.raises(TrainingDataError):
        service.train(["only"], ["one"])
    assert service.store.active_version() == 1
    assert [v.version for v in service.store.versions()] == [1, 2]
    assert service.store.info(2).data_hash != service.store.info(1).data_hash


def test_no_model_yet_is_a_clear_error(tmp_path):
    with pytest.raises(NoActiveModelError, match="router train"):
        ModelStore(tmp_path).load()


def test_csv_reader_handles_multiline_and_names_missing_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('text,label\n"line one\nline two",billing\n', encoding="utf-8")
    assert read_labelled_csv(path, "text", "label") == (["line one\nline two"], ["billing"])
    with pytest.raises(TrainingDataError, match="no column 'intent'"):
        read_labelled_csv(path, "text", "intent")
    path.write_bytes(b"text,label\n\xff\xfe,x\n")
    with pytest.raises(TrainingDataError, match="not UTF-8"):
        read_labelled_csv(path, "text", "label")


def test_eval_counts_declined_in_scope_as_wrong_and_reports_mcc():
    decisions = [
        Classification("a", 0.9, 0.9, False),
        Classification("a", 0.2, 0.1, True),
        Classification("b", 0.3, 0.1, True),
        Classification("b", 0.9, 0.9, False),
    ]
    result = evaluate(["a", "a", "oos", "oos"], decisions, oos_label="oos")
    assert result["in_scope_accuracy"] == 0.5
    assert result["oos_recall"] == 0.5
    assert -1 <= result["mcc"] <= 1 and result["n"] == 4
