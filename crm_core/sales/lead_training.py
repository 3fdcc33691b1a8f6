"""Train the conversion model, then give every open lead its new probability.

Shared by `servicedesk sales train-lead-model` and the `train_lead_model` job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from crm_core.db import UnitOfWork
from crm_core.sales.capture import OPEN_STATUSES
from crm_core.sales.lead_events import LeadContext, rescore
from crm_core.sales.lead_model import ModelMetrics, load_lead_model, train_lead_model
from crm_core.sales.models import Lead


def train_and_rescore(
    uow_factory: Callable[[], UnitOfWork], directory: Path
) -> tuple[ModelMetrics, int]:
    """The new model's held-out figures and how many open leads were re-scored.

    Raises `NotEnoughClosedLeads` (nothing stored) below the minimum.
    """
    with uow_factory() as uow:
        metrics = train_lead_model(uow.session, directory)
    return metrics, rescore_open_leads(uow_factory, directory)


def rescore_open_leads(uow_factory: Callable[[], UnitOfWork], directory: Path) -> int:
    """Re-score every open lead: behaviour points decay, and the model may be new."""
    context = LeadContext(model=load_lead_model(directory))
    done = 0
    with uow_factory() as uow:
        for lead in uow.session.scalars(select(Lead).where(Lead.status.in_(OPEN_STATUSES))):
            rescore(uow.session, lead, context)
            done += 1
        uow.commit()
    return done
