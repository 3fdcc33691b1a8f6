"""Files uploaded in the console to be imported: the mapping chosen and the job's state.

The console stores the file under the instance directory, lets the user map the columns
and try a dry run, then queues the import as a job that is handed this row's id. The
job's progress is the run's checkpoint (`ImportRun.checkpoint_row`) against the file's
last row; a job that was interrupted is queued again and resumes after the checkpoint.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_core.db import Base, utcnow
from crm_core.importing.log import ImportRun, RunStatus


class UploadStatus(enum.StrEnum):
    UPLOADED = "uploaded"
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class ImportUpload(Base):
    """One uploaded file on its way through mapping, dry run and the import job."""

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(500))
    # The file's name under the instance's imports folder (random, never the user's).
    stored_name: Mapped[str] = mapped_column(String(100))
    last_row: Mapped[int] = mapped_column(Integer, default=0)
    overrides: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[UploadStatus] = mapped_column(
        Enum(UploadStatus, native_enum=False, length=20), default=UploadStatus.UPLOADED
    )
    run_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def upload_progress(session: Session, upload: ImportUpload) -> dict[str, object]:
    """How far the upload's import got, for the progress bar."""
    run = session.get(ImportRun, upload.run_id) if upload.run_id else None
    done = run.checkpoint_row if run else 0
    finished = run is not None and run.status == RunStatus.FINISHED
    total = max(upload.last_row, 1)
    return {
        "status": upload.status.value,
        "rows_done": max(done - 1, 0) if not finished else max(upload.last_row - 1, 0),
        "rows_total": max(upload.last_row - 1, 0),
        "percent": 100 if finished else min(99, int(100 * done / total)),
        "counts": dict(run.counts) if run else {},
        "run_id": upload.run_id,
        "error": upload.error,
    }
