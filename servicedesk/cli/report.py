"""`servicedesk report service --from DATE --to DATE [--json]`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click

from servicedesk.cli.context import container


@click.group("report")
def report() -> None:
    """Reports on the desk's service."""


@report.command("service")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--json", "as_json", is_flag=True)
def service(start: datetime, end: datetime, as_json: bool) -> None:
    """First response and resolution times (median, p90) and SLA attainment by dimension.

    Requests opened from --from up to and including the day --to (UTC).
    """
    from servicedesk.desk.reports.service import service_report

    begin, stop = start.replace(tzinfo=UTC), end.replace(tzinfo=UTC) + timedelta(days=1)
    if stop <= begin:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    with container().uow() as uow:
        groups = service_report(uow.session, begin, stop)
    if as_json:
        click.echo(json.dumps([g.as_dict() for g in groups], indent=2))
        return
    click.echo(
        f"{'dimension':<10} {'value':<24} {'n':>5} {'FR p50':>8} {'FR p90':>8} "
        f"{'res p50':>8} {'res p90':>8} {'SLA met':>9}"
    )
    for g in groups:
        sla = f"{g.attainment_pct}%" if g.attainment_pct is not None else "-"
        click.echo(
            f"{g.dimension:<10} {g.value[:24]:<24} {g.requests:>5} "
            f"{_m(g.first_response_median_min)} {_m(g.first_response_p90_min)} "
            f"{_m(g.resolution_median_min)} {_m(g.resolution_p90_min)} {sla:>9}"
        )


def _m(minutes: float | None) -> str:
    return f"{'-' if minutes is None else round(minutes):>8}"


commands = [report]
