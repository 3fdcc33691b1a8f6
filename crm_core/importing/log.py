"""The import log: one row per run, one row per rejected input row.

A run commits in batches, each together with its checkpoint (the last input row it
covered), so a run that was interrupted resumes after the checkpoint; the upserts are
idempotent by normalised email and phone, so rows near the checkpoint are never doubled.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_core.db import Base, utcnow


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    FINISHED = "finished"


class ImportRun(Base):
    """One import of one file: what, by whom, when, and how it went."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(500))
    # The content's SHA-256 recognises the same file again when an interrupted run resumes.
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[RunStatus] = mapped_column(
        Enum(RunStatus, native_enum=False, length=20), default=RunStatus.RUNNING
    )
    checkpoint_row: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # The column mapping used, so a resumed run reads the file the same way.
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ImportRejection(Base):
    """An input row that was not imported, with the field at fault and the reason."""

    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), index=True
    )
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(500))
    value: Mapped[str] = mapped_column(String(500), default="")


def unfinished_run(session: Session, kind: str, file_sha256: str) -> ImportRun | None:
    """The newest interrupted run of the same kind over the same file content."""
    query = (
        select(ImportRun)
        .where(
            ImportRun.kind == kind,
            ImportRun.file_sha256 == file_sha256,
            ImportRun.status == RunStatus.RUNNING,
        )
        .order_by(ImportRun.id.desc())
    )
    return session.scalars(query.limit(1)).first()


def rejections_of(session: Session, run_id: int) -> list[ImportRejection]:
    """A run's rejected rows in file order."""
    query = select(ImportRejection).where(ImportRejection.run_id == run_id)
    return list(session.scalars(query.order_by(ImportRejection.row_number, ImportRejection.id)))
