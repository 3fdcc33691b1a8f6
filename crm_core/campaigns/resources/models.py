"""The resource library's tables: a resource, its immutable versions, and its uses."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db import Base, string_enum, utcnow


class ResourceKind(enum.StrEnum):
    """What a resource is: an asset (a file) or a template (text rendered in the sandbox)."""

    FILE = "file"
    WHITE_PAPER = "white_paper"
    CASE_STUDY = "case_study"
    PRODUCT_SHEET = "product_sheet"
    EMAIL_TEMPLATE = "email_template"
    SLACK_TEMPLATE = "slack_template"

    @property
    def is_template(self) -> bool:
        return self in TEMPLATE_KINDS

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


TEMPLATE_KINDS = frozenset({ResourceKind.EMAIL_TEMPLATE, ResourceKind.SLACK_TEMPLATE})


class UseKind(enum.StrEnum):
    """What counts as a use of a resource (see `crm_core.campaigns.resources.usage`)."""

    CAMPAIGN = "campaign"  # a campaign sent with the template: once per campaign and variant
    WORKFLOW = "workflow"  # a workflow step that sent it: once per enrolment and step
    DOWNLOAD = "download"  # the file downloaded from the console
    LINK = "link"  # the file fetched through its signed link (in a mail or a Slack post)


class Resource(Base):
    """A library entry; its content is the current version's, its fields mirror that version."""

    __tablename__ = "marketing_resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ResourceKind] = mapped_column(string_enum(ResourceKind), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)  # an agent; no FK
    # No FK: a version row points back at its resource, and a cycle of FKs would need
    # deferred constraints on PostgreSQL for no gain.
    current_version_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Deleted resources leave the library and the search; campaigns pinned to one of
    # their versions keep it, so the rows stay.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ResourceVersion(Base):
    """One immutable state of a resource: its fields, and its file or template text."""

    __tablename__ = "marketing_resource_versions"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("marketing_resources.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A file: its bytes are in the attachment store under their SHA-256.
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # A template: the subject (email only), the plain text, and the HTML (email only).
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ResourceUse(Base):
    """One counted use; `ref` names what used it, so a retried send counts once."""

    __tablename__ = "marketing_resource_uses"
    __table_args__ = (UniqueConstraint("version_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("marketing_resources.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("marketing_resource_versions.id"))
    kind: Mapped[UseKind] = mapped_column(string_enum(UseKind))
    # "campaign:7:A", "workflow:3:12"; none for downloads, each of which counts.
    ref: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
