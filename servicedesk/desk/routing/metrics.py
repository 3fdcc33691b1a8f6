"""Evaluation figures: accuracy, macro-F1, and out-of-scope recall and MCC."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from servicedesk.desk.routing.training import Classification

OUT_OF_SCOPE = "__out_of_scope__"


def evaluate(
    truth: Sequence[str], decisions: Sequence[Classification], oos_label: str | None = None
) -> dict[str, Any]:
    """Figures for `router eval`; with `oos_label`, declines become their own class."""
    from sklearn.metrics import matthews_corrcoef  # a second to import: only when evaluating

    if oos_label is None:
        predicted = [decision.label for decision in decisions]
        return _basic(list(truth), predicted)
    gold = [OUT_OF_SCOPE if label == oos_label else label for label in truth]
    predicted = [OUT_OF_SCOPE if d.out_of_scope else d.label for d in decisions]
    result = _basic(gold, predicted)
    in_scope = [(g, p) for g, p in zip(gold, predicted, strict=True) if g != OUT_OF_SCOPE]
    out_scope = [p for g, p in zip(gold, predicted, strict=True) if g == OUT_OF_SCOPE]
    result["in_scope_accuracy"] = _share(sum(g == p for g, p in in_scope), len(in_scope))
    result["oos_recall"] = _share(sum(p == OUT_OF_SCOPE for p in out_scope), len(out_scope))
    result["n_in_scope"], result["n_oos"] = len(in_scope), len(out_scope)
    result["mcc"] = round(float(matthews_corrcoef(gold, predicted)), 4)
    return result


def _basic(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return {
        "n": len(gold),
        "accuracy": _share(correct, len(gold)),
        "macro_f1": round(float(f1_score(gold, predicted, average="macro", zero_division=0)), 4),
    }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
