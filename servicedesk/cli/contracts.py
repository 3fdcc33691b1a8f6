"""`servicedesk contracts ...`: the contracts with their entitlement left, and the renewal
reminders (the daily job, run by hand or from cron).

crm_core loads inside the commands, so `servicedesk --help` stays fast.
"""

from __future__ import annotations

import json

import click

from servicedesk.cli.context import container


@click.group("contracts")
def contracts() -> None:
    """Service contracts: entitlements and renewal reminders."""


@contracts.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """Every contract: holder, status today, SLA tier and the entitlement left."""
    from crm_core.access import Viewer
    from crm_core.contracts.operations import list_contracts
    from crm_core.contracts.reminders import holder_of
    from crm_core.contracts.terms import status_on
    from crm_core.contracts.usage import entitlements_of
    from crm_core.db import utcnow

    today = utcnow().date()
    rows = []
    with container().uow() as uow:
        listed = list_contracts(uow.session, Viewer.system("cli"))
        entitlements = entitlements_of(uow.session, listed)
        for contract in listed:
            left = entitlements[contract.id]
            rows.append({
                "number": contract.number, "holder": holder_of(uow.session, contract)[0],
                "status": status_on(contract, today).value, "sla_tier": contract.sla_tier,
                "ends_on": contract.ends_on.isoformat(), "incidents_left": left.incidents_left,
                "minutes_left": left.minutes_left, "left": left.summary(),
            })  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(
            f"{row['number']}  {row['holder']}  {row['status']}  tier {row['sla_tier'] or '-'}"
            f"  until {row['ends_on']}  {row['left']}"
        )


@contracts.command("remind")
@click.option("--day", metavar="YYYY-MM-DD", help="Act as if it were this day (default today).")
def remind_command(day: str | None) -> None:
    """Send the renewal reminders due (each once, however often this runs)."""
    from servicedesk.contract_jobs import remind_contract_renewals

    sent = remind_contract_renewals(container(), day)
    click.echo(f"{sent} renewal reminders sent")


commands: list[click.Command] = [contracts]
