"""Automation tables: rules (triggers and time-based), canned replies, runs, once-marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db import Base, utcnow
from servicedesk.desk.ordered import OrderedDefinition


class AutomationRule(OrderedDefinition, Base):
    """A trigger (`on` created/updated) or a time-based rule (`on` timed), in order."""

    __tablename__ = "automation_rules"


class Macro(Base):
    """A canned reply: a Jinja template (sandboxed) with `customer`, `request`, `agent`."""

    __tablename__ = "macros"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    shortcut: Mapped[str] = mapped_column(String(40), unique=True)
    body: Mapped[str] = mapped_column(Text)


class AutomationRun(Base):
    """One run of a rule on a request: what it did (the loop guard counts these)."""

    __tablename__ = "automation_runs"
    __table_args__ = (Index("ix_automation_runs_request_time", "request_id", "ran_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(120))
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(20))  # ran | stopped
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AutomationMark(Base):
    """A time-based rule acted on a request for one occurrence of its condition: never again."""

    __tablename__ = "automation_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # rule:request:since
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookCall(Base):
    """A signed webhook an action asked for; the job sends it after commit, once."""

    __tablename__ = "automation_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed
    response_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
