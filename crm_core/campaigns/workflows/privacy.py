"""The GDPR parts of workflows: a person's enrolments and step log are exported; on
erasure they go (they say what was done to the person; the figures lose those rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_core.campaigns.workflows.models import Enrolment, StepLog
from crm_core.jsonable import row_as_json
from crm_core.privacy import PrivacyRegistry
from crm_core.privacy.registry import Erasure

TABLES = ["marketing_enrolments", "marketing_workflow_steps"]


def export_workflows(session: Session, customer_id: int) -> dict[str, list[dict[str, Any]]]:
    enrolments = select(Enrolment).where(Enrolment.customer_id == customer_id)
    steps = select(StepLog).where(StepLog.customer_id == customer_id)
    return {
        "enrolments": [row_as_json(r) for r in session.scalars(enrolments.order_by(Enrolment.id))],
        "steps": [row_as_json(r) for r in session.scalars(steps.order_by(StepLog.id))],
    }


def erase_workflows(session: Session, erasure: Erasure) -> None:
    customer_id = erasure.customer_id
    session.execute(delete(StepLog).where(StepLog.customer_id == customer_id))
    session.execute(delete(Enrolment).where(Enrolment.customer_id == customer_id))


def register(registry: PrivacyRegistry) -> None:
    """Add the workflows' exporter and eraser to the registry."""
    registry.add_exporter("workflows", export_workflows, TABLES)
    registry.add_eraser("workflows", erase_workflows, TABLES)
