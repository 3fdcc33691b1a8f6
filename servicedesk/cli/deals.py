"""`servicedesk sales ...`: the forecast, the ERP order import, the daily lifecycle run.

crm_core loads inside the commands, so `servicedesk --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from servicedesk.cli.context import container
from servicedesk.cli.sales_group import sales

if TYPE_CHECKING:
    from crm_core.sales.forecast import Forecast

COLUMNS = ("deals", "amount", "weighted", "commit", "best_case", "projected", "difference")


@sales.command("forecast")
@click.option("--by", type=click.Choice(["month", "rep", "team"]), default="month")
@click.option(
    "--what-if",
    "what_if",
    multiple=True,
    metavar="STAGE=PROBABILITY",
    help="Use this probability for every deal in STAGE (0.4 or 40%); repeatable.",
)
@click.option("--scale", type=click.FloatRange(min=0), default=1.0, help="Multiply win rates.")
@click.option("--slip-days", type=int, default=0, help="Move expected close dates N days later.")
@click.option("--currency", default="EUR", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def forecast_command(
    by: str, what_if: tuple[str, ...], scale: float, slip_days: int, currency: str, as_json: bool
) -> None:
    """Weighted pipeline (amount x probability) of open deals, commit and best case, and the
    projection under the what-if against that baseline."""
    from crm_core.access import Viewer
    from crm_core.sales.forecast import GroupBy, WhatIf, parse_what_if
    from servicedesk.desk.sales_facts import forecast_for

    try:
        overrides = parse_what_if(what_if)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--what-if") from error
    scenario = WhatIf(overrides, scale, slip_days)
    with container().uow() as uow:
        result = forecast_for(uow.session, Viewer.system(), GroupBy(by), scenario, currency.upper())
    if as_json:
        click.echo(json.dumps(result.as_json()))
    else:
        _print_forecast(result)


def _print_forecast(result: Forecast) -> None:
    header = [result.by.value, *COLUMNS]
    rows = [[row.key, *(str(getattr(row, name)) for name in COLUMNS)] for row in result.rows]
    total = result.total
    rows.append(["total", *(str(getattr(total, name)) for name in COLUMNS)])
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in [header, *rows]:
        click.echo(
            "  ".join(str(cell).rjust(width) for cell, width in zip(line, widths, strict=True))
        )
    click.echo(f"figures in {result.currency}; open deals only")


@sales.group("import")
def import_group() -> None:
    """Import sales records from files."""


@import_group.command("orders")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and count; write nothing.")
@click.option("--json", "as_json", is_flag=True)
def import_orders_command(file: Path, dry_run: bool, as_json: bool) -> None:
    """Orders from an ERP's CSV or XLSX export, idempotent by order_id."""
    from crm_core.access import Viewer
    from crm_core.db import utcnow
    from crm_core.importing import UnreadableFile
    from crm_core.importing.erp_orders import import_orders
    from crm_core.lifecycle.on_orders import order_context

    app = container()
    context = order_context(Viewer.system(), utcnow(), app.config.lifecycle_rules())

    def run():  # type: ignore[no-untyped-def]
        with app.uow() as uow:
            report = import_orders(uow.session, context, file, dry_run=dry_run)
            if not dry_run:
                uow.commit()
        return report

    try:
        report = app.write_guard.run(run)
    except UnreadableFile as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    head = "dry run, nothing written: " if dry_run else ""
    click.echo(
        f"{head}{report.rows} rows: {report.created} orders created, {report.existing} "
        f"already imported, {report.rejected} rejected"
    )
    for error in report.errors:
        click.echo(f"row {error.row}: {error.field}: {error.reason}")


@sales.command("lifecycle")
@click.option(
    "--queue", "queued", is_flag=True, help="Hand it to the job queue (rq workers with Redis)."
)
def lifecycle_command(queued: bool) -> None:
    """Recompute every ordering customer's lifecycle stage (run daily, e.g. from cron)."""
    from servicedesk.jobs import recompute_lifecycle

    app = container()
    if queued:
        app.tasks.enqueue("default", "recompute_lifecycle")
        click.echo("queued recompute_lifecycle on the default queue")
        return
    changed = recompute_lifecycle(app)
    click.echo(f"{changed} customers changed lifecycle stage")


commands: list[click.Command] = []  # the `sales` group is registered once
