"""SLA tables: calendars, policies, each request's clocks, due events and breaches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db import Base, utcnow
from servicedesk.desk.ordered import OrderedDefinition


class SlaCalendarRow(Base):
    """A business-hours calendar as admins edit it (see `calendar.calendar_from_dict`)."""

    __tablename__ = "sla_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SlaPolicyRow(OrderedDefinition, Base):
    """A policy in the ordered list (first match wins; see `policy.policy_from_dict`)."""

    __tablename__ = "sla_policies"


class SlaClock(Base):
    """One clock of one request as last computed (`clocks.ClockState`)."""

    __tablename__ = "sla_clocks"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), primary_key=True
    )
    clock: Mapped[str] = mapped_column(String(20), primary_key=True)
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL")
    )
    calendar: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    target_seconds: Mapped[int] = mapped_column(Integer)
    consumed_before: Mapped[float] = mapped_column(Float, default=0.0)
    consumed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    running_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(20))


class SlaDueEvent(Base):
    """A warning or breach to act on at `due_at`; `fired_at` is set exactly once.

    The key `request:clock:cycle:kind` is unique: recomputing moves an unfired event's
    time, never adds a second one, and a fired one stays fired.
    """

    __tablename__ = "sla_due_events"
    __table_args__ = (Index("ix_sla_due_events_pending", "fired_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    clock: Mapped[str] = mapped_column(String(20))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))  # warning | breach
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SlaBreach(Base):
    """A clock that ran past its target, with what the request looked like (for reports)."""

    __tablename__ = "sla_breaches"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # request:clock:cycle
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    clock: Mapped[str] = mapped_column(String(20))
    policy: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cause: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(120))
    team_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
