"""A candidate pair of customers who may be one person, with a score and the reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CandidatePair:
    """Two customer ids (smaller first), a score from 0 to 100, and why."""

    left_id: int
    right_id: int
    score: float
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, a: int, b: int, score: float, reason: str) -> CandidatePair:
        return cls(min(a, b), max(a, b), round(score, 1), (reason,))

    def as_json(self) -> dict[str, object]:
        return {
            "left_id": self.left_id,
            "right_id": self.right_id,
            "score": self.score,
            "reasons": list(self.reasons),
        }


def combine(pairs: Iterable[CandidatePair]) -> list[CandidatePair]:
    """One pair per two customers: the highest score, every reason; best first."""
    merged: dict[tuple[int, int], CandidatePair] = {}
    for pair in pairs:
        key = (pair.left_id, pair.right_id)
        seen = merged.get(key)
        if seen is None:
            merged[key] = pair
            continue
        reasons = seen.reasons + tuple(r for r in pair.reasons if r not in seen.reasons)
        merged[key] = CandidatePair(*key, max(seen.score, pair.score), reasons)
    return sorted(merged.values(), key=lambda p: (-p.score, p.left_id, p.right_id))
