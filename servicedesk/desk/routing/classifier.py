"""The category classifier: sentence embeddings and word/char n-grams, one ensemble.

Linear models that learn in seconds: a logistic regression on MiniLM sentence vectors
(meaning, paraphrases), one on TF-IDF word and character n-grams (product names,
misspellings, code-mixed words the sentence model does not know) and a prototype score
(similarity to each class's closest example, strong with few examples). Their
log-probabilities are mixed with weights picked by cross-validation on the training
set. The nearest training example's similarity is kept beside the class probabilities,
because out-of-scope detection needs both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from knowledge.embedding import Vectors

if TYPE_CHECKING:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import ThreadpoolController

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EnsembleSettings:
    """Hyper-parameters, fixed on development splits (never on test splits)."""

    embedding_c: float = 20.0
    ngram_c: float = 0.5
    ngram_temperature: float = 8.0
    prototype_temperature: float = 0.05
    max_iter: int = 300


@dataclass(frozen=True)
class Mixture:
    """Weights of the three log-probability components."""

    embedding: float = 0.7
    ngram: float = 0.3
    prototype: float = 0.0


# Candidates tried by cross-validation at training time.
MIXTURES = tuple(
    Mixture(round(e, 2), round(1 - e, 2), p)
    for e in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    for p in (0.0, 0.3)
)


@dataclass(frozen=True)
class Scores:
    """Per-text outputs: class probabilities and similarity to the nearest training text."""

    probabilities: Matrix
    nearest_similarity: npt.NDArray[np.float32]
    labels: tuple[str, ...]

    def top(self) -> tuple[list[str], Matrix]:
        """Best label and its probability for each text."""
        best = self.probabilities.argmax(axis=1)
        return [self.labels[i] for i in best], self.probabilities.max(axis=1)


@dataclass(frozen=True)
class Components:
    """Each model's log-probabilities (columns follow `labels`), before mixing."""

    embedding: Matrix
    ngram: Matrix
    prototype: Matrix
    nearest_similarity: npt.NDArray[np.float32]
    labels: tuple[str, ...]

    def mix(self, mixture: Mixture) -> Scores:
        """Normalised probabilities of the weighted sum of log-probabilities."""
        log_p = mixture.embedding * self.embedding + mixture.ngram * self.ngram
        if mixture.prototype:
            log_p = log_p + mixture.prototype * self.prototype
        log_p = log_p - log_p.max(axis=1, keepdims=True)
        probabilities = np.exp(log_p)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return Scores(probabilities, self.nearest_similarity, self.labels)


def normalise_text(text: str) -> str:
    """Collapse whitespace; case is kept for the sentence model, n-grams lower-case."""
    return " ".join(text.split())


class EnsembleClassifier:
    """Fit on texts + their embeddings; score new texts + their embeddings."""

    def __init__(self, settings: EnsembleSettings | None = None) -> None:
        # scikit-learn takes over a second to import: only training and unpickling a
        # trained model (pickle imports it itself) pay for it, not every CLI start.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        self.settings = settings or EnsembleSettings()
        self.mixture = Mixture()
        self.labels: tuple[str, ...] = ()
        self._word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
        self._char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        self._embedding_model = LogisticRegression(
            C=self.settings.embedding_c, max_iter=self.settings.max_iter
        )
        # A linear SVM learns the sparse n-gram model ten times faster than L-BFGS.
        self._ngram_model = LinearSVC(C=self.settings.ngram_c)
        self._train_vectors: Vectors = np.zeros((0, 0), dtype=np.float32)
        self._train_target: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    @property
    def dimension(self) -> int:
        """Width of the vectors the model was trained on (0 before training)."""
        return int(self._train_vectors.shape[1])

    def fit(self, texts: Sequence[str], vectors: Vectors, labels: Sequence[str]) -> None:
        """Learn the models; at least two distinct labels are required."""
        self.labels = tuple(sorted(set(labels)))
        if len(self.labels) < 2:
            raise ValueError("training needs at least two different labels")
        position = {label: index for index, label in enumerate(self.labels)}
        target = np.array([position[label] for label in labels], dtype=np.int64)
        clean = [normalise_text(text) for text in texts]
        ngrams = _side_by_side(self._word.fit_transform(clean), self._char.fit_transform(clean))
        # Multi-threaded BLAS on small matrices is up to 80x slower here (threads spin).
        with _single_thread_blas():
            self._embedding_model.fit(vectors, target)
            self._ngram_model.fit(ngrams, target)
        # Rows sorted by class, so the per-class maximum is one `reduceat` at scoring time.
        order = np.argsort(target, kind="stable")
        self._train_vectors = np.ascontiguousarray(vectors[order], dtype=np.float32)
        self._train_target = target[order]
        self._class_starts = np.searchsorted(self._train_target, np.arange(len(self.labels)))

    def components(self, texts: Sequence[str], vectors: Vectors) -> Components:
        """Every component's log-probabilities and the nearest-example similarity."""
        with _single_thread_blas():
            return self._components(texts, vectors)

    def _components(self, texts: Sequence[str], vectors: Vectors) -> Components:
        clean = [normalise_text(text) for text in texts]
        ngrams = _side_by_side(self._word.transform(clean), self._char.transform(clean))
        similarity = vectors @ self._train_vectors.T
        nearest = similarity.max(axis=1) if len(vectors) else np.zeros(0)
        return Components(
            embedding=self._log_proba(self._embedding_model, vectors),
            ngram=self._margin_log_proba(ngrams),
            prototype=self._prototype_log_proba(similarity),
            nearest_similarity=np.asarray(nearest, dtype=np.float32),
            labels=self.labels,
        )

    def score(self, texts: Sequence[str], vectors: Vectors) -> Scores:
        """Class probabilities under the chosen mixture, and nearest-example similarity."""
        return self.components(texts, vectors).mix(self.mixture)

    def _prototype_log_proba(self, similarity: npt.NDArray[np.floating[Any]]) -> Matrix:
        # Per class, the similarity to its closest example, turned into a softmax.
        starts = getattr(self, "_class_starts", None)
        if starts is not None and similarity.shape[0]:
            per_class = np.maximum.reduceat(similarity, starts, axis=1).astype(np.float64)
            return _log_softmax(per_class / self.settings.prototype_temperature)
        per_class = np.full((similarity.shape[0], len(self.labels)), -1.0)
        for index in range(len(self.labels)):
            columns = self._train_target == index
            if columns.any():
                per_class[:, index] = similarity[:, columns].max(axis=1)
        return _log_softmax(per_class / self.settings.prototype_temperature)

    def _margin_log_proba(self, ngrams: sparse.csr_matrix) -> Matrix:
        # SVM margins become log-probabilities through a softmax with a fixed temperature.
        margins = _linear(self._ngram_model, ngrams)
        if margins.ndim == 1:
            margins = np.stack([-margins, margins], axis=1)
        logits = np.full((margins.shape[0], len(self.labels)), -30.0)
        logits[:, self._ngram_model.classes_] = margins * self.settings.ngram_temperature
        return _log_softmax(logits)

    def _log_proba(self, model: LogisticRegression, features: object) -> Matrix:
        # Models only know the classes they saw; map their columns onto `labels`.
        rows = int(getattr(features, "shape", (0,))[0])
        out = np.full((rows, len(self.labels)), -30.0)
        logits = _linear(model, features)
        if logits.ndim == 1:  # binary: sklearn's sigmoid equals a softmax over (0, d)
            logits = np.stack([np.zeros_like(logits), logits], axis=1)
        out[:, model.classes_] = np.maximum(_log_softmax(logits), np.log(1e-13))
        return out


def _side_by_side(words: Any, chars: Any) -> sparse.csr_matrix:
    from scipy import sparse

    return sparse.hstack([words, chars]).tocsr()


def _linear(model: Any, features: Any) -> Matrix:
    """`decision_function` without sklearn's input checks (a millisecond per message)."""
    scores: Matrix = np.asarray(features @ model.coef_.T, dtype=np.float64) + model.intercept_
    return scores[:, 0] if scores.shape[1] == 1 else scores


def _log_softmax(logits: Matrix) -> Matrix:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return np.asarray(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))


_controller: ThreadpoolController | None = None


def _single_thread_blas() -> Any:
    # Inspecting the loaded libraries costs milliseconds: do it once per process.
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
