"""Retraining from agents' corrections: a new version, made active only if it is not worse.

The new version learns from the active version's rows plus every category correction
recorded since that version (a corrected text takes its new label). Before it replaces
the active one, a held-out check compares two quick models trained without a fixed fifth
of the rows, one on the old rows and one on the corrected rows, on the rows of that fifth
nobody corrected. Running it twice is harmless: identical data is never trained again.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db import UnitOfWork
from servicedesk.desk.routing.classifier import EnsembleClassifier
from servicedesk.desk.routing.models import RoutingCorrection
from servicedesk.desk.routing.service import CategoryService
from servicedesk.desk.routing.training import data_hash, train_model
from servicedesk.desk.routing.versions import ModelStore, TrainingRows

HOLDOUT_BUCKETS = 5  # one text in five (by hash) is held out for the check
TOLERANCE = 0.01  # quick models differ by noise; a drop above one point is "worse"


@dataclass(frozen=True)
class Correction:
    """The latest category an agent gave one request's text."""

    correction_id: int
    text: str
    label: str


@dataclass(frozen=True)
class RetrainOutcome:
    """What a retraining run did: unchanged, activated or rejected (stored, not active)."""

    status: str
    version: int | None
    reason: str
    check: dict[str, float] = field(default_factory=dict)


def category_corrections(session: Session, after_id: int = 0) -> list[Correction]:
    """Category corrections with an id above `after_id`, the latest per request."""
    rows = session.scalars(
        select(RoutingCorrection)
        .where(RoutingCorrection.field == "category", RoutingCorrection.id > after_id)
        .order_by(RoutingCorrection.id)
    ).all()
    latest: dict[int, Correction] = {}
    for row in rows:
        if row.new_value and row.text.strip():
            latest[row.request_id] = Correction(row.id, row.text.strip(), row.new_value)
    return sorted(latest.values(), key=lambda c: c.correction_id)


def merge_rows(rows: TrainingRows, corrections: Sequence[Correction]) -> TrainingRows:
    """The rows with corrections applied: a corrected text's old rows take its new label."""
    corrected = {c.text: c.label for c in corrections}
    texts, labels = rows
    merged_labels = [corrected.get(text, label) for text, label in zip(texts, labels, strict=True)]
    known = set(texts)
    extra = [c for c in corrections if c.text not in known]
    return [*texts, *(c.text for c in extra)], [*merged_labels, *(c.label for c in extra)]


def retrain_router(
    uow_factory: Callable[[], UnitOfWork], service: CategoryService
) -> RetrainOutcome:
    """Read new corrections in a short transaction, then retrain outside it."""
    store = service.store
    with _exclusive(store):
        active = store.active_version()
        if active is None:
            return RetrainOutcome("unchanged", None, "no router model trained yet")
        since = store.info(active).corrections_through
        with uow_factory() as uow:
            corrections = category_corrections(uow.session, since)
        return retrain_from_corrections(service, active, corrections)


def retrain_from_corrections(
    service: CategoryService, active: int, corrections: Sequence[Correction]
) -> RetrainOutcome:
    """Train a version from `active`'s rows plus `corrections`; activate it unless worse."""
    store = service.store
    if not corrections:
        return RetrainOutcome("unchanged", active, f"no new corrections since v{active}")
    base = store.training_rows(active)
    texts, labels = merge_rows(base, corrections)
    digest = data_hash(texts, labels)
    done = next((v for v in store.versions() if v.data_hash == digest), None)
    if done is not None:
        return RetrainOutcome("unchanged", done.version, f"already trained as v{done.version}")
    check = held_out_check(service, base, (texts, labels), {c.text for c in corrections})
    through = max(c.correction_id for c in corrections)
    model = train_model(texts, labels, service.training_embedder)
    model.metrics["held_out_check"] = check
    better = check["new"] >= check["old"] - TOLERANCE
    info = store.save(model, digest, better, (texts, labels), through)
    if better:
        reason = f"v{info.version} active: {len(corrections)} corrections, check {_fmt(check)}"
        return RetrainOutcome("activated", info.version, reason, check)
    reason = f"v{info.version} kept inactive: worse on the held-out check {_fmt(check)}"
    return RetrainOutcome("rejected", info.version, reason, check)


def held_out_check(
    service: CategoryService, old: TrainingRows, new: TrainingRows, corrected: set[str]
) -> dict[str, float]:
    """Accuracy of quick models trained on the rest of each row set, on the held-out fifth.

    Only rows nobody corrected count: there the labels are agreed, so the corrections
    must not make the model worse on them.
    """
    texts, labels = old
    held = [i for i, text in enumerate(texts) if _bucket(text) == 0 and text not in corrected]
    if not held:
        return {"old": 0.0, "new": 0.0, "n": 0.0}
    held_texts = [texts[i] for i in held]
    truth = np.array([labels[i] for i in held])
    vectors = service.training_embedder.encode(held_texts)
    scores = {}
    for name, (rows_texts, rows_labels) in (("old", old), ("new", new)):
        kept = [i for i, text in enumerate(rows_texts) if _bucket(text) != 0]
        kept_texts, kept_labels = [rows_texts[i] for i in kept], [rows_labels[i] for i in kept]
        if len(set(kept_labels)) < 2:
            return {"old": 0.0, "new": 0.0, "n": 0.0}
        model = EnsembleClassifier()
        model.fit(kept_texts, service.training_embedder.encode(kept_texts), kept_labels)
        predicted, _ = model.score(held_texts, vectors).top()
        scores[name] = round(float(np.mean(np.array(predicted) == truth)), 4)
    return {**scores, "n": float(len(held))}


def _bucket(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % HOLDOUT_BUCKETS


def _fmt(check: dict[str, float]) -> str:
    return f"old {check['old']:.3f} / new {check['new']:.3f} on {int(check['n'])} rows"


@contextmanager
def _exclusive(store: ModelStore) -> Iterator[None]:
    # Two workers retraining at once would train the same data twice: one at a time.
    store.root.mkdir(parents=True, exist_ok=True)
    with (store.root / ".retrain.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
