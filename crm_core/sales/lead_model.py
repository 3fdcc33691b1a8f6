"""A conversion probability learned from closed leads, beside the rule score.

Closed means converted (a win) or disqualified (a loss). With fewer than `MIN_CLOSED`
closed leads there is nothing worth learning and `train_lead_model` says so. The model
is a logistic regression calibrated with Platt scaling (scikit-learn's
CalibratedClassifierCV, sigmoid), over the same facts the rules look at: title words,
industry, company size, email domain type, country, source and counts of each
behaviour. A quarter of the closed leads is held out: its accuracy, ROC AUC and Brier
score are stored with the model and shown beside it.

Rep activities (calls, meetings) are left out on purpose: reps call the leads they
are about to convert, so counting calls would learn the rep's decision, not the lead.
"""

from __future__ import annotations

import json
import math
import os
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.sales.models import Activity, Lead, LeadStatus
from crm_core.sales.scoring import BEHAVIOUR_KINDS, domain_type

MIN_CLOSED = 200
MODEL_FILE = "lead_model.pkl"
METRICS_FILE = "lead_model.json"
_TITLE_WORDS = (
    "chief",
    "ceo",
    "cto",
    "cfo",
    "vp",
    "vice",
    "head",
    "director",
    "founder",
    "owner",
    "manager",
    "lead",
    "engineer",
    "assistant",
    "intern",
    "student",
)


class NotEnoughClosedLeads(Exception):
    """Fewer closed leads than a model needs (or only one outcome among them)."""

    def __init__(self, closed: int, needed: int = MIN_CLOSED, detail: str = "") -> None:
        self.closed, self.needed = closed, needed
        super().__init__(
            detail
            or f"only {closed} leads have closed (converted or disqualified); "
            f"a conversion model needs at least {needed}"
        )


def features_of(lead: Lead, behaviour_counts: Counter[str]) -> dict[str, float]:
    """The lead as the model sees it: one-hot categories and a few numbers."""
    title = lead.title.casefold()
    found: dict[str, float] = {f"title:{w}": 1.0 for w in _TITLE_WORDS if w in title.split()}
    if lead.industry:
        found[f"industry:{lead.industry.casefold()}"] = 1.0
    found[f"source:{lead.source}"] = 1.0
    found[f"domain:{domain_type(lead.email) or 'none'}"] = 1.0
    if lead.country:
        found[f"country:{lead.country.upper()}"] = 1.0
    found["size_log"] = math.log1p(lead.company_size or 0)
    found["size_known"] = 1.0 if lead.company_size else 0.0
    for kind in BEHAVIOUR_KINDS:
        found[f"events:{kind}"] = math.log1p(behaviour_counts.get(kind, 0))
    return found


def behaviour_counts(session: Session, lead_ids: Sequence[int]) -> dict[int, Counter[str]]:
    """How many behaviour events each lead has, by kind, in one query per 500 leads."""
    counts: dict[int, Counter[str]] = {i: Counter() for i in lead_ids}
    for start in range(0, len(lead_ids), 500):
        chunk = list(lead_ids[start : start + 500])
        rows = session.execute(
            select(Activity.lead_id, Activity.kind).where(
                Activity.lead_id.in_(chunk), Activity.kind.in_(BEHAVIOUR_KINDS)
            )
        )
        for lead_id, kind in rows:
            if lead_id is not None:
                counts[lead_id][str(kind)] += 1
    return counts


@dataclass(frozen=True)
class ModelMetrics:
    trained_at: str
    closed: int
    held_out: int
    accuracy: float
    auc: float
    brier: float
    base_rate: float

    def as_json(self) -> dict[str, Any]:
        return dict(vars(self))


class LeadModel:
    """A trained model and its held-out figures."""

    def __init__(self, pipeline: Any, metrics: ModelMetrics) -> None:
        self.pipeline, self.metrics = pipeline, metrics

    def probability(self, features: dict[str, float]) -> float:
        return float(self.pipeline.predict_proba([features])[0][1])


def closed_leads(session: Session) -> list[Lead]:
    closed = (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)
    return list(session.scalars(select(Lead).where(Lead.status.in_(closed)).order_by(Lead.id)))


def training_set(
    session: Session, min_closed: int = MIN_CLOSED
) -> tuple[list[dict[str, float]], list[int]]:
    """Features and outcomes (1 converted, 0 disqualified) of every closed lead."""
    leads = closed_leads(session)
    if len(leads) < min_closed:
        raise NotEnoughClosedLeads(len(leads), min_closed)
    counts = behaviour_counts(session, [lead.id for lead in leads])
    rows = [features_of(lead, counts[lead.id]) for lead in leads]
    labels = [int(lead.status == LeadStatus.CONVERTED) for lead in leads]
    if min(Counter(labels).get(0, 0), Counter(labels).get(1, 0)) < 10:
        raise NotEnoughClosedLeads(
            len(leads),
            min_closed,
            "fewer than 10 closed leads converted, or fewer than 10 were disqualified",
        )
    return rows, labels


def train_lead_model(
    session: Session, directory: Path, *, min_closed: int = MIN_CLOSED, seed: int = 0
) -> ModelMetrics:
    """Train on the closed leads, store the model in `directory` and return its figures."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    rows, labels = training_set(session, min_closed)
    train_x, test_x, train_y, test_y = train_test_split(
        rows, labels, test_size=0.25, stratify=labels, random_state=seed
    )
    pipeline = make_pipeline(
        DictVectorizer(sparse=False),
        CalibratedClassifierCV(LogisticRegression(max_iter=1000), method="sigmoid", cv=3),
    )
    pipeline.fit(train_x, train_y)
    metrics = _held_out(pipeline, test_x, test_y, labels)
    _store(directory, pipeline, metrics)
    return metrics


def _held_out(
    pipeline: Any, test_x: list[Any], test_y: list[int], labels: list[int]
) -> ModelMetrics:
    from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score

    scores = pipeline.predict_proba(test_x)[:, 1]
    return ModelMetrics(
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        closed=len(labels),
        held_out=len(test_y),
        accuracy=round(float(accuracy_score(test_y, scores >= 0.5)), 4),
        auc=round(float(roc_auc_score(test_y, scores)), 4),
        brier=round(float(brier_score_loss(test_y, scores)), 4),
        base_rate=round(sum(labels) / len(labels), 4),
    )


def _store(directory: Path, pipeline: Any, metrics: ModelMetrics) -> None:
    """Write the model then its figures, each by rename, so readers never see half a file."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, write in (
        (MODEL_FILE, lambda h: pickle.dump(pipeline, h, protocol=pickle.HIGHEST_PROTOCOL)),
        (METRICS_FILE, lambda h: h.write(json.dumps(metrics.as_json()).encode())),
    ):
        tmp = directory / f".{name}.tmp"
        with tmp.open("wb") as handle:
            write(handle)
        os.replace(tmp, directory / name)


_loaded: dict[Path, tuple[float, LeadModel]] = {}


def load_lead_model(directory: Path) -> LeadModel | None:
    """The stored model, or None before the first training; reloaded when retrained."""
    path = directory / MODEL_FILE
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _loaded.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with path.open("rb") as handle:
        pipeline = pickle.load(handle)  # noqa: S301  (our own file, written by _store)
    metrics = ModelMetrics(**json.loads((directory / METRICS_FILE).read_text()))
    model = LeadModel(pipeline, metrics)
    _loaded[path] = (stamp, model)
    return model
