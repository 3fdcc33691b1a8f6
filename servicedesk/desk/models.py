"""The service desk's tables: requests, messages, attachments, agents, teams, audit events."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.customers import Customer
from crm_core.db import Base, string_enum, utcnow
from servicedesk.desk.roles import Role as Role  # defined apart for the CLI, used here

REFERENCE_PREFIX = "SR-"
# References start at SR-1001 so that they never look like small row ids.
REFERENCE_OFFSET = 1000


class Status(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Higher is more urgent."""
        return list(Priority).index(self)


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"


class Presence(enum.StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class DeliveryState(enum.StrEnum):
    """Outbound messages only: how far delivery through the channel got."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # An email reply to an address the customer has not confirmed yet: sent on confirmation.
    UNCONFIRMED = "unconfirmed"


_enum = string_enum


team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
)


class Team(Base):
    """A group of agents sharing a queue and an assignment policy."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    assignment_policy: Mapped[str] = mapped_column(String(30), default="least_loaded")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_assigned_agent_id: Mapped[int | None] = mapped_column(Integer)
    # Told when a request of the team breaches its SLA.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))

    members: Mapped[list[Agent]] = relationship(secondary=team_members, back_populates="teams")


class Agent(Base):
    """A person who signs in: support agents, admins, sales and marketing reps."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    presence: Mapped[Presence] = mapped_column(_enum(Presence), default=Presence.OFFLINE)
    presence_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Stored in each signed-in session; raising it (sign-out, password change) ends them all.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members")

    def has_role(self, role: str) -> bool:
        return role in self.roles or Role.ADMIN in self.roles


class ServiceRequest(Base):
    """A customer's request (ticket), on whichever channels it travels."""

    __tablename__ = "service_requests"
    __table_args__ = (
        Index("ix_service_requests_queue", "status", "assignee_id", "priority", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.NEW)
    priority: Mapped[Priority] = mapped_column(_enum(Priority), default=Priority.NORMAL)
    category: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str | None] = mapped_column(String(12))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    thread_key: Mapped[str | None] = mapped_column(String(300), index=True)
    routing_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    solved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The SLA clock due next (desk/sla): the inbox sorts and filters on it.
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    sla_clock: Mapped[str | None] = mapped_column(String(20))
    sla_state: Mapped[str | None] = mapped_column(String(20))
    sla_policy: Mapped[str | None] = mapped_column(String(120))

    customer: Mapped[Customer] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[Agent | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="request", order_by="Message.id", foreign_keys="Message.request_id"
    )
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id"
    )

    @property
    def reference(self) -> str:
        """The human reference customers quote, e.g. `SR-1042`."""
        return format_reference(self.id)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def format_reference(request_id: int) -> str:
    return f"{REFERENCE_PREFIX}{request_id + REFERENCE_OFFSET}"


def parse_reference(reference: str) -> int | None:
    """The request id behind `SR-1042`, or None when it is not a reference."""
    head, _, number = reference.strip().upper().partition(REFERENCE_PREFIX)
    if head or not number.isdigit() or int(number) <= REFERENCE_OFFSET:
        return None
    return int(number) - REFERENCE_OFFSET


class Message(Base):
    """One message on a request: inbound from the customer, outbound reply, or internal note."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(500))
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    thread_rule: Mapped[str | None] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    subject: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    original_text: Mapped[str | None] = mapped_column(Text)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    delivery_state: Mapped[DeliveryState | None] = mapped_column(_enum(DeliveryState))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    request: Mapped[ServiceRequest] = relationship(
        back_populates="messages", foreign_keys=[request_id]
    )
    author: Mapped[Agent | None] = relationship()
    customer: Mapped[Customer | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="message")


class Attachment(Base):
    """A file on a message; the bytes live content-addressed under the instance dir."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    content_id: Mapped[str | None] = mapped_column(String(300))

    message: Mapped[Message] = relationship(back_populates="attachments")


class RequestEvent(Base):
    """One entry in a request's audit trail: who changed what, when."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(20))  # agent | customer | system | router
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")
    agent: Mapped[Agent | None] = relationship()


class RequestSuggestions(Base):
    """The latest knowledge suggestions computed for a request (by a background job)."""

    __tablename__ = "request_suggestions"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), primary_key=True
    )
    articles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    solved_requests: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    no_answer: Mapped[bool] = mapped_column(Boolean, default=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
