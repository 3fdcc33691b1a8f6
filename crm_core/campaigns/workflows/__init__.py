"""Marketing automation: a workflow is a trigger and a tree of steps; customers whom the
trigger fires are enrolled and stepped through by jobs, waits kept in SQL.

No Flask, no rq: the application supplies the ports (Slack notices, campaign sending)
and runs `runner.run_enrolment` from its jobs. Importing the package installs the
marketing-event hook (`hook.py`).
"""

from crm_core.campaigns.workflows import hook
from crm_core.campaigns.workflows.definition import TriggerKind, WorkflowInvalid
from crm_core.campaigns.workflows.models import (
    Enrolment,
    EnrolmentStatus,
    StepLog,
    Workflow,
    WorkflowStatus,
)

__all__ = [
    "Enrolment",
    "EnrolmentStatus",
    "StepLog",
    "TriggerKind",
    "Workflow",
    "WorkflowInvalid",
    "WorkflowStatus",
    "hook",
]
