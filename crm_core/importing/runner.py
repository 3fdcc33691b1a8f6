"""Run an import: map columns, validate each row, write in batches with a checkpoint.

A dry run validates and applies every row inside one transaction that is rolled back,
so its counts (created, updated, ...) are the ones a real run would give.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crm_core.db import UnitOfWork, utcnow
from crm_core.importing.headers import ColumnMapping, map_headers
from crm_core.importing.kinds import ImportKind, RowSettings, RunContext
from crm_core.importing.log import (
    ImportRejection,
    ImportRun,
    RunStatus,
    rejections_of,
    unfinished_run,
)
from crm_core.importing.readers import Cell, Table, file_sha256, open_table
from crm_core.normalise import InvalidValue

NumberedRow = tuple[int, list[Cell]]
_DRY_RUN_BATCH = 500


@dataclass(frozen=True)
class RejectedRow:
    row_number: int
    field: str
    reason: str
    value: str


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    kind: str
    file_name: str
    dry_run: bool
    mapping: dict[str, str]
    ignored_columns: list[str]
    run_id: int | None = None
    resumed_after_row: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[RejectedRow] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in vars(self).items() if k not in {"counts", "rejected"}},
            "counts": dict(self.counts),
            "rejected": [vars(r) for r in self.rejected],
        }


# Runs one unit of work as its process's writer (`ImportOptions.as_writer`).
Writer = Callable[[Callable[[], Any]], Any]


def directly(work: Callable[[], Any]) -> Any:
    """The `Writer` of a caller with nothing to serialise: runs the work as it is."""
    return work()


@dataclass(frozen=True)
class ImportOptions:
    overrides: Mapping[str, str] = field(default_factory=dict)
    settings: RowSettings = field(default_factory=RowSettings)
    dry_run: bool = False
    started_by: str = ""
    batch_size: int = 500
    # Called with the import log's run id once the run is started or resumed and after
    # each committed batch (progress bars, a job's lease).
    on_progress: Callable[[int], None] | None = None
    # Runs one unit of work (a batch) as its process's writer. SQLite refuses at once a
    # transaction that read and then writes after another writer committed; the desk
    # passes its write guard, which serialises such batches and retries them.
    as_writer: Writer = directly


def run_import(
    uow_factory: Callable[[], UnitOfWork], kind: ImportKind, path: Path, options: ImportOptions
) -> ImportReport:
    """Import `path` as `kind`; raises `MappingError` or `UnreadableFile` before any write."""
    with open_table(path) as table:
        mapping = map_headers(table.headers, kind.aliases, options.overrides)
        kind.check_columns(mapping)
        report = ImportReport(
            kind.name, path.name, options.dry_run, mapping.as_json(table.headers),
            list(mapping.ignored),
        )  # fmt: skip
        context = RunContext(options.settings, report.counts)
        if options.dry_run:
            _dry_run(uow_factory, kind, table, mapping, context, report)
        else:
            _real_run(uow_factory, kind, (path, table), mapping, (context, options), report)
    return report


def _dry_run(
    uow_factory: Callable[[], UnitOfWork],
    kind: ImportKind,
    table: Table,
    mapping: ColumnMapping,
    context: RunContext,
    report: ImportReport,
) -> None:
    with uow_factory() as uow:  # never committed
        for batch in _batches(table.rows, _DRY_RUN_BATCH):
            report.rejected += _process(uow.session, kind, batch, mapping, context)


def _real_run(
    uow_factory: Callable[[], UnitOfWork],
    kind: ImportKind,
    source: tuple[Path, Table],
    mapping: ColumnMapping,
    run_state: tuple[RunContext, ImportOptions],
    report: ImportReport,
) -> None:
    (path, table), (context, options) = source, run_state

    def start() -> ImportRun:
        saved = Counter(report.counts)  # a resumed run's counts, added once however retried
        try:
            with uow_factory() as uow:
                started = _start_or_resume(uow.session, kind, path, options.started_by, report)
                uow.commit()
                return started
        except Exception:
            _restore(report.counts, saved)
            raise

    run = options.as_writer(start)
    progress = options.on_progress or (lambda _run_id: None)
    progress(run.id)
    rows = (row for row in table.rows if row[0] > run.checkpoint_row)
    for batch in _batches(rows, options.batch_size):
        options.as_writer(partial(_write_batch, uow_factory, kind, batch, mapping, context, run.id))
        progress(run.id)
    options.as_writer(partial(_finish_run, uow_factory, run.id, report))


def _finish_run(uow_factory: Callable[[], UnitOfWork], run_id: int, report: ImportReport) -> None:
    with uow_factory() as uow:
        finished = uow.session.get_one(ImportRun, run_id)
        finished.status, finished.finished_at = RunStatus.FINISHED, utcnow()
        report.rejected = [
            RejectedRow(r.row_number, r.field, r.reason, r.value)
            for r in rejections_of(uow.session, run_id)
        ]
        uow.commit()


def _write_batch(
    uow_factory: Callable[[], UnitOfWork],
    kind: ImportKind,
    batch: list[NumberedRow],
    mapping: ColumnMapping,
    context: RunContext,
    run_id: int,
) -> None:
    """One batch in its own transaction; its counts are taken back if it fails, so a
    retried batch counts once."""
    saved = Counter(context.counts)
    try:
        with uow_factory() as uow:
            rejected = _process(uow.session, kind, batch, mapping, context)
            _save_progress(uow.session, run_id, batch[-1][0], context.counts, rejected)
            uow.commit()
    except Exception:
        _restore(context.counts, saved)
        raise


def _start_or_resume(
    session: Session, kind: ImportKind, path: Path, started_by: str, report: ImportReport
) -> ImportRun:
    """The interrupted run over this same file, or a new one."""
    digest = file_sha256(path)
    run = unfinished_run(session, kind.name, digest)
    if run is None:
        run = ImportRun(
            kind=kind.name, file_name=path.name, file_sha256=digest, started_by=started_by,
            mapping=report.mapping, counts={}, checkpoint_row=0,
        )  # fmt: skip
        session.add(run)
        session.flush()
    report.run_id, report.resumed_after_row = run.id, run.checkpoint_row
    report.counts.update(run.counts)
    return run


def _save_progress(
    session: Session, run_id: int, last_row: int, counts: Counter[str], rejected: list[RejectedRow]
) -> None:
    """The batch's checkpoint, counts and rejections, in the batch's own transaction."""
    run = session.get_one(ImportRun, run_id)
    run.checkpoint_row, run.counts = last_row, dict(counts)
    session.add_all(ImportRejection(run_id=run_id, **vars(r)) for r in rejected)


def _batches(rows: Iterator[NumberedRow], size: int) -> Iterator[list[NumberedRow]]:
    while batch := list(islice(rows, size)):
        yield batch


def _process(
    session: Session,
    kind: ImportKind,
    batch: list[NumberedRow],
    mapping: ColumnMapping,
    context: RunContext,
) -> list[RejectedRow]:
    """Validate and write a batch of rows; the rejected ones are returned.

    The batch is written in one savepoint and one flush, which is several times faster
    than a savepoint a row; only when a row fails to apply is the batch redone row by row,
    so that the one row is rejected and the others kept.
    """
    valid, rejected = _validate(kind, batch, mapping, context)
    if kind.prepare is not None:
        kind.prepare(session, [record for _, record in valid], context)
    before = Counter(context.counts)
    try:
        with session.begin_nested():
            for _number, record in valid:
                context.counts[kind.apply(session, record, context).value] += 1
    except InvalidValue:
        _restore(context.counts, before)
        rejected += _apply_one_by_one(session, kind, valid, context)
    return sorted(rejected, key=lambda r: r.row_number)


def _apply_one_by_one(
    session: Session, kind: ImportKind, valid: list[tuple[int, Any]], context: RunContext
) -> list[RejectedRow]:
    """Apply each row in its own savepoint; the ones that fail are rejected."""
    rejected: list[RejectedRow] = []
    counts = context.counts
    stale = True
    for position, (number, record) in enumerate(valid):
        if kind.prepare is not None and stale:
            # What it had looked up may have been rolled back with the failed row.
            kind.prepare(session, [r for _, r in valid[position:]], context)
        before, stale = Counter(counts), False
        try:
            with session.begin_nested():
                counts[kind.apply(session, record, context).value] += 1
        except InvalidValue as error:  # e.g. a domain another organisation has
            _restore(counts, before)
            stale = True
            rejected.append(RejectedRow(number, error.field, error.reason, str(error.value)))
            counts["rejected"] += 1
    return rejected


def _restore(counts: Counter[str], saved: Counter[str]) -> None:
    counts.clear()
    counts.update(saved)


def _validate(
    kind: ImportKind, batch: list[NumberedRow], mapping: ColumnMapping, context: RunContext
) -> tuple[list[tuple[int, Any]], list[RejectedRow]]:
    """The batch's valid records with their row numbers, and the rejections."""
    valid: list[tuple[int, Any]] = []
    rejected: list[RejectedRow] = []
    for number, cells in batch:
        if all(cell is None or str(cell).strip() == "" for cell in cells):
            continue  # blank lines between blocks of data are not rows
        context.counts["rows"] += 1
        values = {f: cells[i] if i < len(cells) else None for f, i in mapping.columns.items()}
        result = kind.validate(values, context.settings)
        if isinstance(result, list):
            rejected.extend(RejectedRow(number, *problem) for problem in result)
            context.counts["rejected"] += 1
        else:
            valid.append((number, result))
    return valid, rejected
