"""Workflows, their enrolments (one customer's run through one workflow) and the step log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db import Base, string_enum, utcnow


class WorkflowStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"  # enrols on its trigger and runs its enrolments
    PAUSED = "paused"  # enrols nobody; its enrolments wait where they are


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    EXITED = "exited"  # an exit condition held (unsubscribed, converted, custom)
    FAILED = "failed"


class Workflow(Base):
    """A trigger and a tree of steps (`definition`, JSON validated on save)."""

    __tablename__ = "marketing_workflows"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[WorkflowStatus] = mapped_column(
        string_enum(WorkflowStatus), default=WorkflowStatus.DRAFT, index=True
    )
    trigger: Mapped[str] = mapped_column(String(40), index=True)  # a TriggerKind
    # {"trigger": {...settings}, "steps": [...], "exit": {...}}: see definition.py
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Enrolment(Base):
    """A customer's run through a workflow; at most one active per (workflow, customer).

    `step_id` is the step to run next (None: done) at `next_run_at`; a job claims the row
    (`claim`, `claimed_at`) before it runs a step, so two jobs never run the same step.
    """

    __tablename__ = "marketing_enrolments"
    __table_args__ = (
        # The database refuses a second active enrolment, whatever races to create it.
        Index(
            "uq_marketing_enrolments_active",
            "workflow_id",
            "customer_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_marketing_enrolments_due", "status", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("marketing_workflows.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        string_enum(EnrolmentStatus), default=EnrolmentStatus.ACTIVE
    )
    trigger: Mapped[str] = mapped_column(String(200), default="")  # what enrolled them
    step_id: Mapped[str | None] = mapped_column(String(40))
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Claims that ended in a crash, in a row: a step that keeps failing is given up on.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    exit_reason: Mapped[str | None] = mapped_column(String(200))


class StepLog(Base):
    """One step run (or an enrolment, an exit) with its outcome."""

    __tablename__ = "marketing_workflow_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("marketing_enrolments.id"), index=True)
    workflow_id: Mapped[int] = mapped_column(Integer, index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    step_id: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(20))  # a step type, or enrolled / exited
    outcome: Mapped[str] = mapped_column(String(20))  # done, yes, no, skipped, failed, ...
    detail: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
