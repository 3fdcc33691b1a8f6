"""`servicedesk crm export-person|erase-person|retention|unsubscribe` and `agent roles`,
as users run them, with the permission of every role (`--as`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from servicedesk.cli import main
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.models import Agent
from tests.factories import make_customer, make_request

ROLES = ("admin", "agent", "sales", "marketing", "read-only", "reviewer")


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    return {**clean, "SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance")}


def invoke(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=stdin)


@pytest.fixture
def planted(cli_env: dict[str, str]) -> dict[str, int]:
    assert invoke(cli_env, "crm", "retention").exit_code == 0  # creates the database
    built = Container.build(Config.from_env(cli_env), synchronous_jobs=True)
    with built.uow() as uow:
        for role in ROLES:
            uow.session.add(
                Agent(email=f"{role}@cli.example", name=role, password_hash="!", roles=[role])
            )
        olga = make_customer(uow, "Olga Oddly", email="olga@cli.example")
        make_request(uow, olga, subject="Olga's lamp", text="Olga Oddly writes")
        uow.commit()
        ids = {"olga": olga.id}
    built.engine.dispose()
    return ids


@pytest.mark.parametrize(
    "command",
    [
        ["crm", "export-person"],
        ["crm", "erase-person"],
        ["crm", "retention"],
        ["crm", "unsubscribe"],
        ["agent", "roles"],
    ],
)
def test_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


# command -> exit code per role (ROLES order); 0 done, 1 refused with the reason
PERMISSIONS = {
    "export-person": (0, 0, 1, 1, 1, 1),
    "erase-person": (0, 1, 1, 1, 1, 1),
    "roles": (0, 1, 1, 1, 1, 1),
}


def test_every_role_on_every_command(cli_env, planted) -> None:
    answers = {}
    for role in ROLES:
        actor = f"{role}@cli.example"
        export = invoke(cli_env, "crm", "export-person", "olga@cli.example", "--as", actor)
        roles = invoke(
            cli_env,
            "agent",
            "roles",
            "sales@cli.example",
            "--role",
            "sales",
            "--role",
            "marketing",
            "--as",
            actor,
        )
        answers["export-person", role] = export.exit_code
        answers["roles", role] = roles.exit_code
        if role != "admin":  # the admin's erasure would leave nobody for the others
            erase = invoke(
                cli_env, "crm", "erase-person", "olga@cli.example", "--yes", "--as", actor
            )
            answers["erase-person", role] = erase.exit_code
            assert "only an admin may erase a person" in erase.output
    erase = invoke(
        cli_env, "crm", "erase-person", "olga@cli.example", "--yes", "--as", "admin@cli.example"
    )
    answers["erase-person", "admin"] = erase.exit_code
    expected = {
        (command, role): code
        for command, codes in PERMISSIONS.items()
        for role, code in zip(ROLES, codes, strict=True)
    }
    assert answers == expected
    refused = invoke(
        cli_env, "crm", "export-person", "olga@cli.example", "--as", "nobody@cli.example"
    )
    assert "no active agent nobody@cli.example" in refused.output


def test_export_then_erase_as_the_system(cli_env, planted, tmp_path) -> None:
    out = tmp_path / "olga.json"
    result = invoke(cli_env, "crm", "export-person", "OLGA@cli.example", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "servicedesk.person-export/1"
    person = data["customers"][0]
    assert person["customer"]["name"] == "Olga Oddly"
    assert person["requests"][0]["subject"] == "Olga's lamp"
    assert person["requests"][0]["messages"][0]["text"] == "Olga Oddly writes"

    aborted = invoke(cli_env, "crm", "erase-person", "olga@cli.example", stdin="n\n")
    assert aborted.exit_code == 1
    assert f"Erase #{planted['olga']} Olga Oddly everywhere?" in aborted.output
    done = invoke(cli_env, "crm", "erase-person", "olga@cli.example", stdin="y\n")
    assert done.exit_code == 0, done.output
    assert f"erased customer(s) #{planted['olga']}; 1 request(s) redacted" in done.output
    again = invoke(cli_env, "crm", "erase-person", "olga@cli.example", "--yes")
    assert "no customer is known by olga@cli.example: nothing to erase" in again.output
    gone = invoke(cli_env, "crm", "export-person", "olga@cli.example")
    assert gone.exit_code == 1 and "no customer is known by olga@cli.example" in gone.output


def test_retention_and_unsubscribe_commands(cli_env, planted) -> None:
    off = invoke(cli_env, "crm", "retention", "--dry-run")
    assert "retention is off" in off.output
    env = {**cli_env, "SERVICEDESK_RETENTION_CLOSED_REQUEST_YEARS": "2"}
    report = json.loads(invoke(env, "crm", "retention", "--dry-run", "--json").output)
    assert (report["dry_run"], report["requests"]) == (True, 0)
    done = invoke(cli_env, "crm", "unsubscribe", "olga@cli.example", "--purpose", "newsletter")
    assert "olga@cli.example: unsubscribed from newsletter (1 customer record(s))" in done.output
    bad = invoke(cli_env, "crm", "unsubscribe", "olga@cli.example", "--purpose", "fax")
    assert bad.exit_code == 2 and "purpose: one of" in bad.output
