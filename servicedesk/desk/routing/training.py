"""Training a router model: the ensemble, its mixture weights and its out-of-scope cut-offs."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from knowledge.embedding import Embedder, Vectors
from servicedesk.desk.routing.classifier import Components, EnsembleClassifier, EnsembleSettings
from servicedesk.desk.routing.oos import Thresholds, pick_mixture, pick_thresholds, simulate


class TrainingDataError(ValueError):
    """The training rows cannot make a model; the message says why."""


@dataclass(frozen=True)
class Classification:
    """One text's decision: best label, its probability, and whether the router declines."""

    label: str
    confidence: float
    similarity: float
    out_of_scope: bool


@dataclass
class RouterModel:
    """A trained classifier with its cut-offs and the facts stored with its version."""

    classifier: EnsembleClassifier
    thresholds: Thresholds
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.classifier.labels

    def classify(self, texts: Sequence[str], vectors: Vectors) -> list[Classification]:
        """Decide every text; out-of-scope when under either learned cut-off."""
        scores = self.classifier.score(texts, vectors)
        labels, confidence = scores.top()
        declined = self.thresholds.declines(confidence, scores.nearest_similarity)
        return [
            Classification(label, float(p), float(s), bool(d))
            for label, p, s, d in zip(
                labels, confidence, scores.nearest_similarity, declined, strict=True
            )
        ]


def data_hash(texts: Sequence[str], labels: Sequence[str]) -> str:
    """sha256 over the (text, label) rows in order: the training data's identity."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode("utf-8") + b"\x1f" + label.encode("utf-8") + b"\x1e")
    return digest.hexdigest()


def check_rows(texts: Sequence[str], labels: Sequence[str]) -> None:
    """Raise `TrainingDataError` for data no model can be trained on."""
    if not texts:
        raise TrainingDataError("no training rows")
    if len(texts) != len(labels):
        raise TrainingDataError("texts and labels differ in number")
    counts = Counter(labels)
    if len(counts) < 2:
        raise TrainingDataError(f"only one class ({next(iter(counts))!r}); need at least two")


def label_examples(labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """One extra example per class: its name as words ("card_arrival" -> "card arrival").

    Label names carry meaning the few examples may not; with 10 examples per intent they
    add about half a point of accuracy. Names without letters (codes) are skipped.
    """
    texts, names = [], []
    for label in sorted(set(labels)):
        words = " ".join(label.replace("_", " ").replace("-", " ").split()).lower()
        if any(character.isalpha() for character in words):
            texts.append(words)
            names.append(label)
    return texts, names


def train_model(
    texts: Sequence[str],
    labels: Sequence[str],
    embedder: Embedder,
    settings: EnsembleSettings | None = None,
    oos_weight: float = 0.2,
) -> RouterModel:
    """Train on every row; mixture and cut-offs come from a hold-out simulation on them."""
    check_rows(texts, labels)
    started = time.monotonic()
    n_rows = len(texts)
    extra_texts, extra_labels = label_examples(labels)
    texts, labels = [*texts, *extra_texts], [*labels, *extra_labels]
    settings = settings or EnsembleSettings()
    vectors = embedder.encode(list(texts))
    encoded = time.monotonic()

    def scorer(train: list[int], held: list[int]) -> Components:
        model = EnsembleClassifier(settings)
        model.fit([texts[i] for i in train], vectors[train], [labels[i] for i in train])
        return model.components([texts[i] for i in held], vectors[held])

    simulation = simulate(list(labels), scorer)
    mixture = pick_mixture(simulation)
    thresholds = pick_thresholds(simulation, mixture, oos_weight)
    classifier = EnsembleClassifier(settings)
    classifier.fit(texts, vectors, labels)
    classifier.mixture = mixture
    metrics = {
        "cv_accuracy": round(simulation.accuracy(mixture), 4),
        "n_train": n_rows,
        "n_labels": len(classifier.labels),
        "mixture": [mixture.embedding, mixture.ngram, mixture.prototype],
        "min_probability": round(thresholds.min_probability, 4),
        "min_similarity": round(thresholds.min_similarity, 4),
        "encode_seconds": round(encoded - started, 2),
        "train_seconds": round(time.monotonic() - encoded, 2),
    }
    return RouterModel(classifier, thresholds, metrics)


def ensure_vectors(vectors: Vectors) -> Vectors:
    """Float32, C-contiguous rows (what the classifier expects)."""
    return np.ascontiguousarray(vectors, dtype=np.float32)
