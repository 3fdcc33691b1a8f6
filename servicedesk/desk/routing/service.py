"""Train, classify and evaluate with stored versions: what the CLI, jobs and the router call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.embedding import Embedder, Vectors
from servicedesk.desk.routing.dataset import read_labelled_csv
from servicedesk.desk.routing.embedding_cache import EmbeddingCache
from servicedesk.desk.routing.metrics import evaluate
from servicedesk.desk.routing.sentence_views import MeanMaxEncoder, mean_view
from servicedesk.desk.routing.training import RouterModel, data_hash, train_model
from servicedesk.desk.routing.versions import ModelStore, VersionInfo


@dataclass(frozen=True)
class CategoryDecision:
    """The classifier's answer for one text, with the version that gave it."""

    label: str
    confidence: float
    similarity: float
    version: int
    out_of_scope: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "version": self.version,
            "out_of_scope": self.out_of_scope,
        }


class CategoryService:
    """The category classifier behind `models_dir/router`, with an embedding cache.

    The classifier sees two views of the sentence model's pass (`MeanMaxEncoder`).
    """

    def __init__(self, models_dir: Path, embedder: Embedder) -> None:
        self.store = ModelStore(models_dir / "router")
        self.embedder = MeanMaxEncoder(embedder)
        self.training_embedder = EmbeddingCache(self.embedder, models_dir / "router" / "embeddings")

    def train(self, texts: Sequence[str], labels: Sequence[str]) -> VersionInfo:
        """Train a new version on the rows and make it active (only once it is complete)."""
        model = train_model(texts, labels, self.training_embedder)
        rows = (list(texts), list(labels))
        return self.store.save(model, data_hash(texts, labels), rows=rows)

    def train_csv(self, path: Path, text_column: str, label_column: str) -> VersionInfo:
        texts, labels = read_labelled_csv(path, text_column, label_column)
        return self.train(texts, labels)

    def classify_many(self, texts: Sequence[str]) -> list[CategoryDecision]:
        """Decisions of the active version for every text."""
        version, model = self.store.load()
        vectors = _for_model(model, self.embedder.encode(list(texts)))
        return [
            CategoryDecision(c.label, c.confidence, c.similarity, version, c.out_of_scope)
            for c in model.classify(texts, vectors)
        ]

    def classify(self, text: str) -> CategoryDecision:
        return self.classify_many([text])[0]

    def evaluate_csv(
        self, path: Path, text_column: str, label_column: str, oos_label: str | None = None
    ) -> dict[str, Any]:
        """Figures of the active version on a labelled file."""
        texts, labels = read_labelled_csv(path, text_column, label_column)
        version, model = self.store.load()
        vectors = _for_model(model, self.training_embedder.encode(texts))
        result = evaluate(labels, model.classify(texts, vectors), oos_label)
        result["version"] = version
        return result


def _for_model(model: RouterModel, vectors: Vectors) -> Vectors:
    """Versions trained before the max view know only the mean view: give them that."""
    return mean_view(vectors, model.classifier.dimension or vectors.shape[1])
