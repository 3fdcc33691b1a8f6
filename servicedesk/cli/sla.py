"""`servicedesk sla ...`: explain a request's clocks, load policies and calendars, sweep."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from servicedesk.cli.context import container, load_yaml_into


@click.group("sla")
def sla() -> None:
    """Service level agreements: policies, calendars, clocks."""


@sla.command("explain")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True)
def explain(reference: str, as_json: bool) -> None:
    """Policy, calendar and each clock's target, due time, pauses and breach of a request."""
    from servicedesk.desk.models import ServiceRequest, parse_reference
    from servicedesk.desk.sla.admin import explain_request
    from servicedesk.desk.sla.sweep import now

    request_id = parse_reference(reference)
    with container().uow() as uow:
        request = uow.session.get(ServiceRequest, request_id) if request_id else None
        if request is None:
            raise click.ClickException(f"{reference}: no such request")
        report = explain_request(uow.session, request, now())
        uow.commit()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    _print_report(report)


def _print_report(report: dict[str, object]) -> None:
    click.echo(f"{report['request']}  priority {report['priority']}")
    if report["policy"] is None:
        click.echo("no SLA policy applies")
        return
    calendar = report["calendar"]
    assert isinstance(calendar, dict)
    click.echo(f"policy {report['policy']}, calendar {calendar['name']} ({calendar['timezone']})")
    clocks = report["clocks"]
    assert isinstance(clocks, list)
    for c in clocks:
        due = c["due_at"] or c["stopped_at"] or "-"
        click.echo(
            f"  {c['clock']:<15} {c['state']:<9} target {c['target_minutes']} min, "
            f"used {c['used_minutes']} min, paused {c['paused_minutes']} min, "
            f"due {due}{'  BREACHED ' + c['breached_at'] if c['breached'] else ''}"
        )


@sla.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    """Create or replace calendars and policies from a YAML file (policies in file order)."""
    from servicedesk.desk.sla.admin import SlaSetupError, load_setup_file

    calendars, policies = load_yaml_into(file, load_setup_file, SlaSetupError)
    click.echo(f"loaded {calendars} calendars and {policies} policies")


@sla.command("sweep")
@click.option("--every", type=float, default=0.0, help="Repeat every N seconds (0: once).")
def sweep(every: float) -> None:
    """Fire the warnings and breaches now due (run it from cron, or with --every)."""
    app = container()
    while True:
        app.tasks.enqueue("default", "sweep_sla")
        if every <= 0:
            return
        time.sleep(every)


commands = [sla]
