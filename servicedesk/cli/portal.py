"""`servicedesk portal manager EMAIL`: who manages their organisation's requests."""

from __future__ import annotations

import click

from servicedesk.cli.context import container


@click.group("portal")
def portal() -> None:
    """Help centre customer accounts."""


@portal.command("manager")
@click.argument("email")
@click.option("--off", is_flag=True, help="Take the role away again.")
def manager(email: str, off: bool) -> None:
    """Let the customer with EMAIL see every request of their organisation in the help centre."""
    from servicedesk.desk.customer_accounts import set_organisation_manager
    from servicedesk.desk.errors import DeskError

    with container().uow() as uow:
        try:
            organisation = set_organisation_manager(uow, email, manages=not off)
        except DeskError as error:
            raise click.ClickException(str(error)) from error
        uow.commit()
    verb = "no longer manages" if off else "now manages"
    click.echo(f"{email} {verb} the requests of {organisation}")


commands: list[click.Command] = [portal]
