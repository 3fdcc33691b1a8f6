"""The `servicedesk` console script: one click group, one module per command family."""

from __future__ import annotations

import click

from servicedesk.cli import (
    agents,
    automation,
    contracts,
    crm,
    database,
    deals,
    kb,
    leads,
    mail,
    marketing,
    portal,
    privacy,
    report,
    router,
    sales_group,
    server,
    sla,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Omnichannel service desk with a built-in CRM."""


for _module in (
    server,
    database,
    agents,
    kb,
    mail,
    router,
    crm,
    deals,
    leads,
    portal,
    privacy,
    sla,
    automation,
    report,
    marketing,
    contracts,
):
    for _command in _module.commands:
        main.add_command(_command)
main.add_command(sales_group.sales)
