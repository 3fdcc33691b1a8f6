"""`servicedesk crm merge A B` and `servicedesk crm undo-merge ID` as users run them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from servicedesk.cli import main
from tests.integration.crm.test_crm_cli import cli_env, run  # noqa: F401  (fixture)


def test_merge_and_undo_from_the_command_line(cli_env, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "c.csv"
    path.write_text(
        "Name,Email,Phone,Company\nAnn Lee,ann@acme.example,,Acme\n"
        "Ann  Lee,ann.lee@acme.example,+49 151 12345678,Acme\n",
        encoding="utf-8",
    )
    run(cli_env, "crm", "import", "customers", str(path))
    pairs = json.loads(run(cli_env, "crm", "dedupe", "--json"))
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [(1, 2)]
    merged = run(cli_env, "crm", "merge", "1", "2", "--take", "email")
    assert "merge #1: customer 2 merged into 1, 2 rows moved" in merged
    assert "0 candidate pairs" in run(cli_env, "crm", "dedupe")
    again = CliRunner().invoke(main, ["crm", "merge", "1", "2"], env=cli_env)
    assert again.exit_code == 1 and "no customer 2" in again.output
    assert "customer 2 is back" in run(cli_env, "crm", "undo-merge", "1")
    assert "1 candidate pairs" in run(cli_env, "crm", "dedupe")
    twice = CliRunner().invoke(main, ["crm", "undo-merge", "1"], env=cli_env)
    assert twice.exit_code == 1 and "undone already" in twice.output


def test_merge_commands_have_help() -> None:
    for command in (["crm", "merge"], ["crm", "undo-merge"]):
        result = CliRunner().invoke(main, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
