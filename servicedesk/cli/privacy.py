"""`servicedesk crm export-person|erase-person|retention|unsubscribe` and `agent roles`.

The commands join the `crm` and `agent` groups. Whoever has the shell acts as the system
(an admin) unless `--as EMAIL` names an agent, whose roles are then enforced like in
the console.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from servicedesk.cli.agents import agent as agent_group
from servicedesk.cli.context import container
from servicedesk.cli.crm import crm
from servicedesk.desk.roles import Role

if TYPE_CHECKING:
    from crm_core.access import Viewer

_AS = click.option(
    "--as", "acting_as", metavar="EMAIL", help="Act as this agent (their roles apply)."
)


def _viewer(session: Any, acting_as: str | None) -> Viewer:
    from crm_core.access import Viewer
    from servicedesk.desk.accounts import find_agent
    from servicedesk.desk.viewers import viewer_of

    if acting_as is None:
        return Viewer.system(f"cli:{getpass.getuser()}")
    found = find_agent(session, acting_as)
    if found is None or not found.is_active:
        raise click.ClickException(f"no active agent {acting_as}")
    return viewer_of(session, found)


@crm.command("export-person")
@click.argument("email")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout."
)
@_AS
def export_person(email: str, out: Path | None, acting_as: str | None) -> None:
    """Write all data of the person with EMAIL as JSON (GDPR/CCPA access request)."""
    from crm_core.access import PermissionDenied
    from servicedesk.desk.privacy import PersonNotFound
    from servicedesk.desk.privacy import export_person as export

    app = container()
    with app.uow() as uow:
        try:
            data = export(uow.session, app.privacy, _viewer(uow.session, acting_as), email)
        except (PersonNotFound, PermissionDenied) as error:
            raise click.ClickException(str(error)) from error
        uow.commit()
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {out} ({len(data['customers'])} customer record(s))", err=True)


@crm.command("erase-person")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--reason", default=None, help="Why (kept in the audit log).")
@_AS
def erase_person(email: str, yes: bool, reason: str | None, acting_as: str | None) -> None:
    """Anonymise the person with EMAIL everywhere; requests stay, counted, without content."""
    from crm_core.access import PermissionDenied
    from crm_core.privacy import customers_with_address
    from servicedesk.desk.privacy import PersonNotFound
    from servicedesk.desk.privacy import erase_person as erase

    app = container()
    with app.uow() as uow:
        people = customers_with_address(uow.session, email)
        if not people:
            click.echo(f"no customer is known by {email}: nothing to erase")
            return
        names = ", ".join(f"#{p.id} {p.display_name}" for p in people)
        if not yes:
            click.confirm(f"Erase {names} everywhere? This cannot be undone", abort=True)
        try:
            report = erase(uow, app.privacy, _viewer(uow.session, acting_as), email, reason=reason)
        except (PersonNotFound, PermissionDenied) as error:
            raise click.ClickException(str(error)) from error
        uow.commit()
    click.echo(
        f"erased customer(s) {', '.join(f'#{i}' for i in report.customer_ids)}; "
        f"{report.request_count} request(s) redacted"
    )


@crm.command("retention")
@click.option("--dry-run", is_flag=True, help="List what is due; change nothing.")
@click.option("--json", "as_json", is_flag=True)
def retention(dry_run: bool, as_json: bool) -> None:
    """Apply the retention rules now (SERVICEDESK_RETENTION_CLOSED_REQUEST_YEARS)."""
    from servicedesk.desk.privacy import RetentionRule, apply_retention

    app = container()
    rule = RetentionRule(app.config.retention_closed_request_years)
    with app.uow() as uow:
        report = apply_retention(uow, rule, app.attachments, dry_run=dry_run)
        if not dry_run:
            uow.commit()
    if as_json:
        click.echo(json.dumps(report.as_json()))
    elif not rule.enabled:
        click.echo("retention is off (SERVICEDESK_RETENTION_CLOSED_REQUEST_YEARS is 0)")
    else:
        verb = "due" if dry_run else "redacted"
        click.echo(
            f"{len(report.request_ids)} request(s) of {len(report.customer_ids)} "
            f"churned customer(s) {verb} (closed before {report.cutoff})"
        )


@crm.command("unsubscribe")
@click.argument("email")
@click.option("--purpose", default=None, help="One purpose (default: every purpose).")
@click.option("--source", default="cli", show_default=True, help="How the request came in.")
def unsubscribe(email: str, purpose: str | None, source: str) -> None:
    """Withdraw consent for EMAIL and keep the address suppressed."""
    from crm_core.privacy import ConsentError
    from crm_core.privacy import unsubscribe as withdraw

    with container().uow() as uow:
        try:
            found = withdraw(
                uow.session, email, purpose, source, recorded_by=f"cli:{getpass.getuser()}"
            )
        except ConsentError as error:
            raise click.UsageError(str(error)) from error
        uow.commit()
    click.echo(f"{email}: unsubscribed from {purpose or 'everything'} ({found} customer record(s))")


@agent_group.command("roles")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@_AS
def roles(email: str, roles: tuple[str, ...], acting_as: str | None) -> None:
    """Give the agent with EMAIL exactly these roles (audited)."""
    from crm_core.access import PermissionDenied
    from servicedesk.desk.accounts import find_agent
    from servicedesk.desk.errors import DeskError
    from servicedesk.desk.role_admin import set_roles

    with container().uow() as uow:
        found = find_agent(uow.session, email)
        if found is None:
            raise click.ClickException(f"no agent {email}")
        try:
            set_roles(uow.session, _viewer(uow.session, acting_as), found.id, list(roles))
        except (DeskError, PermissionDenied) as error:
            raise click.ClickException(str(error)) from error
        uow.commit()
    click.echo(f"{email}: roles {', '.join(sorted(roles))}")


commands: list[click.Command] = []  # everything above joined the crm and agent groups
