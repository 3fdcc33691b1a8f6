from knowledge.embedding import HashingEmbedder
from servicedesk.desk.routing.retraining import Correction, merge_rows, retrain_from_corrections
from servicedesk.desk.routing.service import CategoryService
from tests.unit.routing.test_classifier_versions import rows


def test_merge_relabels_corrected_texts_and_appends_new_ones():
    base = (["a", "b", "c"], ["x", "y", "x"])
    merged = merge_rows(base, [Correction(1, "b", "x"), Correction(2, "d", "z")])
    assert merged == (["a", "b", "c", "d"], ["x", "x", "x", "z"])


def test_retrain_activates_a_version_with_the_corrections_and_is_idempotent(tmp_path):
    service = CategoryService(tmp_path, HashingEmbedder(128))
    first = service.train(*rows())
    corrections = [Correction(7, "my parcel refund invoice", "billing")]
    outcome = retrain_from_corrections(service, first.version, corrections)
    assert outcome.status == "activated" and outcome.version == 2
    assert service.store.active_version() == 2
    info = service.store.info(2)
    assert info.corrections_through == 7
    texts, labels = service.store.training_rows(2)
    assert texts[-1] == "my parcel refund invoice" and labels[-1] == "billing"
    again = retrain_from_corrections(service, first.version, corrections)
    assert (again.status, again.version) == ("unchanged", 2)
    assert [v.version for v in service.store.versions()] == [1, 2]


def test_retrain_keeps_a_worse_version_inactive(tmp_path):
    service = CategoryService(tmp_path, HashingEmbedder(128))
    texts, labels = rows(per_topic=80)
    texts = [f"{text} case{i}" for i, text in enumerate(texts)]  # distinct texts
    service.train(texts, labels)
    # Careless corrections move most billing texts to shipping: the undisputed billing
    # texts held out now look like shipping too, so the check refuses the version.
    billing = [text for text, label in zip(texts, labels, strict=True) if label == "billing"]
    wrong = [Correction(i + 1, text, "shipping") for i, text in enumerate(billing[:60])]
    outcome = retrain_from_corrections(service, 1, wrong)
    assert outcome.status == "rejected", outcome.reason
    assert outcome.check["new"] < outcome.check["old"]
    assert service.store.active_version() == 1
    assert service.store.info(outcome.version).active is False


def test_nothing_to_learn_leaves_the_active_version(tmp_path):
    service = CategoryService(tmp_path, HashingEmbedder(128))
    service.train(*rows())
    outcome = retrain_from_corrections(service, 1, [])
    assert (outcome.status, outcome.version) == ("unchanged", 1)
    assert len(service.store.versions()) == 1
