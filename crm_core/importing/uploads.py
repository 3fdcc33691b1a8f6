"""Files uploaded in the console to be imported: the mapping chosen and the job's state.

The console stores the file under the instance directory, lets the user map the columns
and try a dry run, then queues the import as a job that is handed this row's id. The
job's progress is the run's checkpoint (`ImportRun.checkpoint_row`) against the file's
last row. A job that was interrupted is queued again and resumes after the checkpoint
(the import log recognises the file by its content), so no row is imported twice.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, Integer, String, Text, or_, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_core.db import Base, UnitOfWork, utcnow
from crm_core.importing import IMPORT_KINDS as KINDS
from crm_core.importing.headers import IGNORE, ColumnMapping, MappingError, header_key, map_headers
from crm_core.importing.kinds import ImportKind, RowSettings
from crm_core.importing.log import ImportRun, RunStatus
from crm_core.importing.readers import open_table
from crm_core.importing.runner import ImportOptions, Writer, directly, run_import


class UploadStatus(enum.StrEnum):
    UPLOADED = "uploaded"
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


LEASE = timedelta(minutes=10)
REJECTIONS_KEPT = 500


class UploadRefused(ValueError):
    """The upload cannot be queued now; the message says why."""


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
    # While a job runs the import it holds this lease, renewed after every batch: a
    # second job (a resume clicked twice, an rq retry) finds it held and leaves; a job
    # that died stops renewing, and after the lease anyone may resume.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last dry run, also a job: {"state": "running"}, then its counts and rejections.
    dry_run: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class ColumnChoice:
    """One column of the file: its header and the field it is read as ("-": skipped)."""

    header: str
    field: str


def register_upload(
    session: Session, kind: str, file_name: str, path: Path, started_by: str
) -> ImportUpload:
    """Record a stored file; raises `UnreadableFile` when it is not a table we can read."""
    if kind not in KINDS:
        raise MappingError(f"kind: one of {', '.join(KINDS)}")
    with open_table(path) as table:
        last_row = 1
        for number, _cells in table.rows:
            last_row = number
    upload = ImportUpload(
        kind=kind, file_name=file_name[:500], stored_name=path.name, last_row=last_row,
        overrides={}, status=UploadStatus.UPLOADED, started_by=started_by[:200],
    )  # fmt: skip
    session.add(upload)
    session.flush()
    return upload


def column_choices(upload: ImportUpload, directory: Path) -> list[ColumnChoice]:
    """Every column with the field it maps to: the upload's choices, else recognised."""
    kind = KINDS[upload.kind]
    with open_table(directory / upload.stored_name) as table:
        headers = table.headers
    mapping = _mapping(headers, kind, upload.overrides)
    fields = {index: field for field, index in mapping.columns.items()}
    return [ColumnChoice(h, fields.get(i, IGNORE)) for i, h in enumerate(headers)]


def _mapping(headers: list[str], kind: ImportKind, overrides: dict[str, str]) -> ColumnMapping:
    try:
        return map_headers(headers, kind.aliases, overrides)
    except MappingError:
        return map_headers(headers, kind.aliases, {})  # a file changed under its choices


def choose_mapping(
    session: Session, upload_id: int, directory: Path, fields: dict[str, str]
) -> ImportUpload:
    """Keep the column -> field choices (every column named); raises `MappingError`."""
    upload = session.get_one(ImportUpload, upload_id)
    kind = KINDS[upload.kind]
    with open_table(directory / upload.stored_name) as table:
        headers = table.headers
    by_key = {header_key(h): h for h in headers}
    overrides = {
        by_key[k]: v for k, v in ((header_key(h), f) for h, f in fields.items()) if k in by_key
    }
    kind.check_columns(map_headers(headers, kind.aliases, overrides))
    upload.overrides = overrides
    return upload


def dry_run_upload(
    uow_factory: Callable[[], UnitOfWork],
    upload_id: int,
    directory: Path,
    settings: RowSettings,
    as_writer: Writer = directly,
) -> None:
    """The dry-run job: what the import would do with the chosen mapping, kept on the
    upload (the first `REJECTIONS_KEPT` rejections); nothing else is written.

    `as_writer` runs the dry run as its process's writer: its rows are written (never
    committed) in one transaction, which SQLite refuses at once when another writer
    committed after the dry run's first read, so the caller serialises and retries it."""
    with uow_factory() as uow:
        upload = uow.session.get(ImportUpload, upload_id)
        if upload is None or (upload.dry_run or {}).get("state") != "running":
            return  # gone, or this dry run's result is stored already
        kind, path, overrides = upload.kind, directory / upload.stored_name, dict(upload.overrides)
    options = ImportOptions(overrides=overrides, settings=settings, dry_run=True)
    try:
        report = as_writer(lambda: run_import(uow_factory, KINDS[kind], path, options))
        result = {
            "state": "done",
            "counts": dict(report.counts),
            "rejected": [vars(r) for r in report.rejected[:REJECTIONS_KEPT]],
            "rejected_total": len(report.rejected),
        }
    except Exception as error:
        result = {"state": "failed", "error": f"{type(error).__name__}: {error}"}
        raise
    finally:
        as_writer(lambda: _store_dry_run(uow_factory, upload_id, result))


def _store_dry_run(
    uow_factory: Callable[[], UnitOfWork], upload_id: int, result: dict[str, Any]
) -> None:
    with uow_factory() as uow:
        uow.session.get_one(ImportUpload, upload_id).dry_run = result
        uow.commit()


def start_dry_run(session: Session, upload_id: int) -> ImportUpload:
    """Mark a dry run started (the caller enqueues the job after commit)."""
    upload = session.get_one(ImportUpload, upload_id)
    upload.dry_run = {"state": "running"}
    return upload


def queue_upload(session: Session, upload_id: int, now: datetime | None = None) -> ImportUpload:
    """Mark the upload queued (the caller enqueues the job after commit)."""
    upload = session.get_one(ImportUpload, upload_id)
    if upload.status == UploadStatus.FINISHED:
        raise UploadRefused("this file was imported already")
    if upload.status == UploadStatus.RUNNING and not _lease_over(upload, now or utcnow()):
        raise UploadRefused(
            f"the import is still running; if it makes no progress for {LEASE.seconds // 60}"
            " minutes, it can be resumed"
        )
    upload.status, upload.error = UploadStatus.QUEUED, None
    return upload


def _lease_over(upload: ImportUpload, now: datetime) -> bool:
    lease = upload.lease_until
    if lease is not None and lease.tzinfo is None:
        lease = lease.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return lease is None or lease < now


def _claim(uow_factory: Callable[[], UnitOfWork], upload_id: int) -> bool:
    """Take the upload's lease, unless it is finished or another job holds it."""
    now = utcnow()
    with uow_factory() as uow:
        claimed = uow.session.execute(
            update(ImportUpload)
            .where(
                ImportUpload.id == upload_id,
                ImportUpload.status != UploadStatus.FINISHED,
                or_(
                    ImportUpload.status != UploadStatus.RUNNING,
                    ImportUpload.lease_until.is_(None),
                    ImportUpload.lease_until < now,
                ),
            )
            .values(status=UploadStatus.RUNNING, lease_until=now + LEASE, error=None)
        )
        uow.commit()
    return bool(getattr(claimed, "rowcount", 0))


def run_upload(
    uow_factory: Callable[[], UnitOfWork],
    upload_id: int,
    directory: Path,
    settings: RowSettings,
    as_writer: Writer = directly,
) -> None:
    """The import job: run (or resume) the upload's import; safe to run twice. Each batch,
    and each write of the lease, runs `as_writer` (see `ImportOptions.as_writer`)."""
    if not _claim(uow_factory, upload_id):
        return  # finished, gone, or another job is running it
    with uow_factory() as uow:
        upload = uow.session.get_one(ImportUpload, upload_id)
        kind, path, overrides = upload.kind, directory / upload.stored_name, dict(upload.overrides)
        started_by = upload.started_by

    def renew_once(run_id: int) -> None:
        with uow_factory() as uow:
            held = uow.session.get_one(ImportUpload, upload_id)
            held.run_id, held.lease_until = run_id, utcnow() + LEASE
            uow.commit()

    options = ImportOptions(
        overrides=overrides,
        settings=settings,
        started_by=started_by,
        on_progress=lambda run_id: as_writer(lambda: renew_once(run_id)),
        as_writer=as_writer,
    )
    try:
        run_import(uow_factory, KINDS[kind], path, options)
    except Exception as error:
        failure = f"{type(error).__name__}: {error}"
        as_writer(lambda: _finish(uow_factory, upload_id, UploadStatus.FAILED, failure))
        raise
    as_writer(lambda: _finish(uow_factory, upload_id, UploadStatus.FINISHED, None))


def _finish(
    uow_factory: Callable[[], UnitOfWork], upload_id: int, status: UploadStatus, error: str | None
) -> None:
    with uow_factory() as uow:
        upload = uow.session.get_one(ImportUpload, upload_id)
        upload.status, upload.error, upload.lease_until = status, error, None
        uow.commit()


def upload_progress(session: Session, upload: ImportUpload) -> dict[str, object]:
    """How far the upload's import got, for the progress bar."""
    run = session.get(ImportRun, upload.run_id) if upload.run_id else None
    finished = run is not None and run.status == RunStatus.FINISHED
    total = max(upload.last_row - 1, 0)
    done = total if finished else max((run.checkpoint_row if run else 0) - 1, 0)
    return {
        "status": upload.status.value,
        "rows_done": done,
        "rows_total": total,
        "percent": 100 if finished else (min(99, 100 * done // total) if total else 0),
        "counts": dict(run.counts) if run else {},
        "run_id": upload.run_id,
        "error": upload.error,
        "dry_run": (upload.dry_run or {}).get("state"),
    }
