"""`servicedesk automation load FILE`: canned replies and rules from YAML."""

from __future__ import annotations

from pathlib import Path

import click

from servicedesk.cli.context import load_yaml_into


@click.group("automation")
def automation() -> None:
    """Triggers, time-based rules and canned replies."""


@automation.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    """Create or replace canned replies and rules from a YAML file (rules in file order)."""
    from servicedesk.desk.automation.admin import AutomationSetupError, load_automation_file

    macros, rules = load_yaml_into(file, load_automation_file, AutomationSetupError)
    click.echo(f"loaded {macros} canned replies and {rules} rules")


commands = [automation]
