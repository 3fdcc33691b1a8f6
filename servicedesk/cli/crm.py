"""`servicedesk crm ...`: import customers and organisations, list candidate duplicates.

crm_core loads inside the commands, so `servicedesk --help` stays fast.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from servicedesk.cli.context import container

if TYPE_CHECKING:
    from crm_core.dedupe import CandidatePair
    from crm_core.importing import ImportKind, ImportReport
    from servicedesk.container import Container

# Kept literal so --help needs no import of crm_core.
IMPORT_KINDS = ("customers", "organisations", "leads")


@click.group("crm")
def crm() -> None:
    """Customers, organisations and leads: import, duplicates, merges, key rotation."""


@crm.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read COLUMN as FIELD (COLUMN=- skips it); repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Validate and count; write nothing.")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--region",
    default=None,
    metavar="CC",
    help="Country of phone numbers without a country code (default: setting).",
)
@click.option(
    "--date-order",
    type=click.Choice(["dmy", "mdy"]),
    default=None,
    help="How to read 03/04/2024 (default: setting; unset rejects it).",
)
@click.option("--by", "started_by", default=None, help="Who runs it, for the import log.")
def import_file(
    kind: str,
    file: Path,
    maps: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    region: str | None,
    date_order: str | None,
    started_by: str | None,
) -> None:
    """Import a CSV or XLSX file; an interrupted import of the same file resumes."""
    from crm_core import importing
    from crm_core.normalise import DateOrder
    from servicedesk.desk.reps import agent_ids_by_email

    app = container()
    order = date_order or app.config.crm_date_order
    with app.uow() as uow:
        owners = agent_ids_by_email(uow.session)
    settings = importing.RowSettings(
        region=(region or app.config.crm_phone_region or "").upper() or None,
        date_order=DateOrder(order) if order else None,
        owners=owners,
    )
    try:
        options = importing.ImportOptions(
            overrides=importing.parse_overrides(maps),
            settings=settings,
            dry_run=dry_run,
            started_by=started_by or f"cli:{getpass.getuser()}",
        )
        report = importing.run_import(app.uow, _import_kind(app, kind), file, options)
    except (importing.MappingError, importing.UnreadableFile) as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        _print_report(report)


def _import_kind(app: Container, kind: str) -> ImportKind:
    """The kind to import; new leads are assigned among the desk's sales reps."""
    from crm_core import importing

    if kind != "leads":
        return importing.IMPORT_KINDS[kind]
    from crm_core.sales.lead_events import LeadContext
    from servicedesk.desk.reps import sales_rep_ids

    with app.uow() as uow:
        reps = sales_rep_ids(uow.session)
    hours = app.config.sales_first_contact_hours
    region = app.config.crm_phone_region
    return importing.lead_kind(
        LeadContext(rep_ids=reps, first_contact_hours=hours, phone_region=region)
    )


def _print_report(report: ImportReport) -> None:
    counts = report.counts
    figures = ", ".join(f"{counts[k]} {k}" for k in sorted(counts) if k != "rows")
    head = "dry run, nothing written: " if report.dry_run else f"import #{report.run_id}: "
    click.echo(f"{head}{counts['rows']} rows of {report.kind} from {report.file_name}: {figures}")
    if report.resumed_after_row:
        click.echo(f"resumed after row {report.resumed_after_row}")
    mapped = ", ".join(f"{column} -> {field}" for field, column in report.mapping.items())
    click.echo(f"columns: {mapped}")
    if report.ignored_columns:
        click.echo(f"ignored columns: {', '.join(report.ignored_columns)}")
    for rejected in report.rejected:
        click.echo(
            f"row {rejected.row_number}: {rejected.field}: {rejected.reason} ({rejected.value!r})"
        )


@crm.command("dedupe")
@click.option("--json", "as_json", is_flag=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show the best N pairs.")
def dedupe(as_json: bool, limit: int | None) -> None:
    """List candidate duplicate customers with a score and the reason (merge with `crm merge`)."""
    from crm_core.dedupe import find_duplicates

    with container().uow() as uow:
        pairs = find_duplicates(uow.session)[:limit]
        names = _names(uow.session, pairs)
    if as_json:
        rows = [{**p.as_json(), "left_name": names[p.left_id], "right_name": names[p.right_id]}
                for p in pairs]  # fmt: skip
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for p in pairs:
        click.echo(
            f"{p.score:5.1f}  #{p.left_id} {names[p.left_id]}  ~  #{p.right_id} "
            f"{names[p.right_id]}  ({'; '.join(p.reasons)})"
        )
    click.echo(f"{len(pairs)} candidate pairs")


@crm.command("merge")
@click.argument("survivor_id", type=click.IntRange(min=1))
@click.argument("merged_id", type=click.IntRange(min=1))
@click.option(
    "--take",
    multiple=True,
    metavar="FIELD",
    help="Take FIELD's value from the merged customer; repeatable (blanks are filled anyway).",
)
def merge(survivor_id: int, merged_id: int, take: tuple[str, ...]) -> None:
    """Merge customer MERGED_ID into SURVIVOR_ID (undo with `crm undo-merge` for 30 days)."""
    from crm_core.customers.merging import MERGED, MergeError, merge_customers

    with container().uow() as uow:
        try:
            record = merge_customers(
                uow.session, survivor_id, merged_id, None, dict.fromkeys(take, MERGED)
            )
        except MergeError as error:
            raise click.ClickException(str(error)) from error
        uow.commit()
    click.echo(
        f"merge #{record.id}: customer {merged_id} merged into {survivor_id}, "
        f"{record.moved_rows} rows moved; undo with: servicedesk crm undo-merge {record.id}"
    )


@crm.command("undo-merge")
@click.argument("merge_id", type=click.IntRange(min=1))
def undo_merge_command(merge_id: int) -> None:
    """Undo a merge of the last 30 days: the merged customer and its rows come back."""
    from crm_core.customers.merging import MergeError, undo_merge

    with container().uow() as uow:
        try:
            record = undo_merge(uow.session, merge_id, None)
        except MergeError as error:
            raise click.ClickException(str(error)) from error
        uow.commit()
    click.echo(f"merge #{merge_id} undone: customer {record.merged_id} is back")


def _names(session: Any, pairs: list[CandidatePair]) -> dict[int, str]:
    from sqlalchemy import select

    from crm_core.customers import Customer

    ids = {i for p in pairs for i in (p.left_id, p.right_id)}
    found: dict[int, str] = {}
    for chunk in [sorted(ids)[i : i + 500] for i in range(0, len(ids), 500)]:
        for customer in session.scalars(select(Customer).where(Customer.id.in_(chunk))):
            found[customer.id] = customer.display_name
    return found


@crm.command("rotate-keys")
@click.option("--json", "as_json", is_flag=True)
def rotate_keys(as_json: bool) -> None:
    """Re-encrypt every encrypted CRM value with the newest key.

    Put the new key first in SERVICEDESK_CRM_ENCRYPTION_KEYS (keep the old ones after
    it), run this, then drop the old keys. Values stored before encryption existed are
    encrypted too. Safe to run twice.
    """
    from crm_core.crypto import crypto_of
    from crm_core.crypto import rotate_keys as rotate

    app = container()
    with app.sessions() as session:
        crypto = crypto_of(session)
    counts = rotate(app.sessions, crypto)
    if as_json:
        click.echo(json.dumps(counts))
        return
    for table, count in counts.items():
        click.echo(f"{table}: {count} rows re-encrypted")


commands: list[click.Command] = [crm]
