"""The `servicedesk` console script: one click group, one module per command family."""

from __future__ import annotations

import click

from servicedesk.cli import (
    agents,
    crm,
    database,
    deals,
    kb,
    mail,
    marketing,
    portal,
    router,
    server,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Omnichannel service desk with a built-in CRM."""


for _module in (server, database, agents, kb, mail, router, crm, deals, portal, marketing):
    for _command in _module.commands:
        main.add_command(_command)
