"""Out-of-scope cut-offs, learned from the training data alone.

The router declines ("I don't know") when the best class probability or the similarity
to the nearest training example is too low. Both cut-offs come from a simulation on the
training set: each fold holds out some whole classes (their examples play unseen
intents) and some examples of the remaining classes (they play ordinary in-scope
traffic); a model trained on the rest scores both. The pair of cut-offs that best
separates the two, counting a wrong in-scope answer as a miss, is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.embedding import Vectors
from servicedesk.desk.routing.classifier import MIXTURES, Components, Mixture

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Thresholds:
    """Decline when probability < min_probability or similarity < min_similarity."""

    min_probability: float = 0.0
    min_similarity: float = -1.0

    def declines(
        self, probability: FloatArray, similarity: npt.NDArray[np.floating[Any]]
    ) -> npt.NDArray[np.bool_]:
        return (probability < self.min_probability) | (similarity < self.min_similarity)


@dataclass
class Simulation:
    """Scores of held-out in-scope examples and of held-out (unseen) classes.

    Probabilities and correctness are kept per candidate mixture, so the mixture
    weights and the cut-offs come out of the same simulation.
    """

    in_similarity: list[float] = field(default_factory=list)
    out_similarity: list[float] = field(default_factory=list)
    in_probability: dict[Mixture, list[float]] = field(default_factory=dict)
    in_correct: dict[Mixture, list[bool]] = field(default_factory=dict)
    out_probability: dict[Mixture, list[float]] = field(default_factory=dict)

    def accuracy(self, mixture: Mixture) -> float:
        """Held-out in-scope accuracy of a mixture, declining nothing."""
        correct = self.in_correct.get(mixture, [])
        return float(np.mean(correct)) if correct else 0.0

    def record(self, components: Components, truth: list[str | None]) -> None:
        """Add one fold's scores; `truth` is None for rows of unseen classes."""
        for row, label in enumerate(truth):
            similarity = float(components.nearest_similarity[row])
            (self.in_similarity if label is not None else self.out_similarity).append(similarity)
        for mixture in MIXTURES:
            guesses, best = components.mix(mixture).top()
            for row, label in enumerate(truth):
                if label is None:
                    self.out_probability.setdefault(mixture, []).append(float(best[row]))
                else:
                    self.in_probability.setdefault(mixture, []).append(float(best[row]))
                    self.in_correct.setdefault(mixture, []).append(guesses[row] == label)


Scorer = Callable[[list[int], list[int]], Components]
"""Trains on the first index list and scores the second."""


def simulate(labels: Sequence[str], scorer: Scorer, folds: int = 10, seed: int = 0) -> Simulation:
    """Run the class-and-example hold-out simulation described in the module docstring."""
    rng = np.random.default_rng(seed)
    classes = sorted(set(labels))
    folds = max(2, min(folds, len(classes)))
    class_fold = dict(zip(classes, rng.permutation(len(classes)) % folds, strict=True))
    example_fold = rng.permutation(len(labels)) % folds
    result = Simulation()
    for fold in range(folds):
        unseen = [i for i, label in enumerate(labels) if class_fold[label] == fold]
        held = [
            i for i, lab in enumerate(labels) if class_fold[lab] != fold and example_fold[i] == fold
        ]
        taken = set(unseen) | set(held)
        train = [i for i in range(len(labels)) if i not in taken]
        if len({labels[i] for i in train}) < 2 or not held:
            continue
        truth: list[str | None] = [labels[i] for i in held] + [None] * len(unseen)
        result.record(scorer(train, held + unseen), truth)
    return result


def pick_mixture(simulation: Simulation) -> Mixture:
    """The candidate mixture with the best held-out in-scope accuracy."""
    if not simulation.in_correct:
        return Mixture()
    return max(MIXTURES, key=simulation.accuracy)


def pick_thresholds(
    simulation: Simulation, mixture: Mixture, oos_weight: float = 0.2
) -> Thresholds:
    """The cut-off pair maximising a weighted mean of in-scope accuracy and OOS recall."""
    if not simulation.out_probability.get(mixture) or not simulation.in_probability.get(mixture):
        return Thresholds()
    in_p, in_s = np.array(simulation.in_probability[mixture]), np.array(simulation.in_similarity)
    out_p = np.array(simulation.out_probability[mixture])
    out_s = np.array(simulation.out_similarity)
    correct = np.array(simulation.in_correct[mixture])
    best, best_value = Thresholds(), -1.0
    for min_p in _candidates(np.concatenate([in_p, out_p]), low=0.0):
        for min_s in _candidates(np.concatenate([in_s, out_s]), low=-1.0):
            kept = (in_p >= min_p) & (in_s >= min_s)
            in_accuracy = float(np.mean(kept & correct))
            oos_recall = float(np.mean((out_p < min_p) | (out_s < min_s)))
            value = (1 - oos_weight) * in_accuracy + oos_weight * oos_recall
            if value > best_value:
                best, best_value = Thresholds(float(min_p), float(min_s)), value
    return best


def _candidates(values: FloatArray, low: float) -> FloatArray:
    """The 'no cut-off' value plus 60 quantiles of what was observed."""
    return np.concatenate([[low], np.quantile(values, np.linspace(0.0, 0.95, 60))])


def vectors_at(vectors: Vectors, rows: list[int]) -> Vectors:
    """Rows of an embedding matrix (a helper for scorers)."""
    return vectors[np.array(rows, dtype=np.int64)]
