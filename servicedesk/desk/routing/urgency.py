"""The model's urgency signal: a second classifier trained on priority labels.

It is optional (trained with `servicedesk router train-priority`) and never overrides an
admin rule. Labels from other desks are mapped onto ours ("medium" is our "normal").
"""

from __future__ import annotations

from pathlib import Path

from knowledge.embedding import Embedder
from servicedesk.desk.models import Priority
from servicedesk.desk.routing.service import CategoryDecision, CategoryService

PRIORITY_LABELS = {
    "low": Priority.LOW,
    "normal": Priority.NORMAL,
    "medium": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
    "critical": Priority.URGENT,
}


def urgency_service(models_dir: Path, embedder: Embedder) -> CategoryService:
    """Versions live beside the category model's, under `models_dir/urgency`."""
    return CategoryService(models_dir / "urgency", embedder)


def model_priority(decision: CategoryDecision | None) -> Priority | None:
    """Our priority for a confident decision; None when unsure or the label is unknown."""
    if decision is None or decision.out_of_scope:
        return None
    return PRIORITY_LABELS.get(decision.label.strip().lower())
