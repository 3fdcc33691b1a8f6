"""`servicedesk agent create|capacity`: accounts for agents, admins, sales and marketing reps."""

from __future__ import annotations

import click

from servicedesk.cli.context import container
from servicedesk.desk.roles import Role


@click.group("agent")
def agent() -> None:
    """Agent accounts."""


@agent.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    default=["agent"],
    show_default=True,
    help="Repeat for several roles.",
)
@click.option("--name", help="Display name (default: from the email).")
@click.option("--skill", "skills", multiple=True, help="A category or language the agent covers.")
@click.option(
    "--capacity",
    type=click.IntRange(1, 500),
    default=10,
    show_default=True,
    help="Most open requests assigned at once.",
)
@click.password_option("--password", help="Prompted (twice) when not given.")
def create(
    email: str,
    roles: tuple[str, ...],
    name: str | None,
    skills: tuple[str, ...],
    capacity: int,
    password: str,
) -> None:
    """Create an agent who signs in with EMAIL."""
    from servicedesk.desk.accounts import create_agent
    from servicedesk.desk.errors import InvalidChange

    with container().uow() as uow:
        try:
            created = create_agent(
                uow.session,
                email,
                password,
                name=name,
                roles=list(roles),
                skills=list(skills),
                capacity=capacity,
            )
        except InvalidChange as error:
            raise click.UsageError(str(error)) from error
        uow.commit()
        click.echo(
            f"created agent {created.email} (id {created.id}, roles {', '.join(created.roles)})"
        )


@agent.command("capacity")
@click.argument("email")
@click.argument("capacity", type=click.IntRange(0, 500))
def capacity(email: str, capacity: int) -> None:
    """Set how many open requests the agent may hold; queued requests flow in at once."""
    from servicedesk.desk.accounts import find_agent
    from servicedesk.desk.operations import set_capacity

    with container().uow() as uow:
        found = find_agent(uow.session, email)
        if found is None:
            raise click.ClickException(f"no agent {email}")
        set_capacity(uow, found.id, capacity)
        uow.commit()
    click.echo(f"{email}: at most {capacity} open requests")


commands: list[click.Command] = [agent]
