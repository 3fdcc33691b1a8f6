"""`servicedesk crm import` and `servicedesk crm dedupe` as users run them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicedesk.cli import main
from tests.integration.crm.test_messy_import import messy_file


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    return {**clean, "SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance")}


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", [["crm"], ["crm", "import"], ["crm", "dedupe"]])
def test_crm_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_dry_run_then_import_then_dedupe(cli_env, tmp_path) -> None:
    path = str(messy_file(tmp_path))
    env = {**cli_env, "SERVICEDESK_CRM_PHONE_REGION": "de"}
    dry = json.loads(run(env, "crm", "import", "customers", path, "--dry-run", "--json"))
    assert dry["dry_run"] is True
    assert dry["run_id"] is None
    assert dry["counts"]["created"] == 5
    assert len(dry["rejected"]) == 6

    text = run(env, "crm", "import", "customers", path, "--by", "jane")
    assert "import #1: 14 rows of customers from messy.csv" in text
    assert "5 created" in text
    assert "row 7: phone: not a valid phone number for its country ('12')" in text

    pairs = json.loads(run(env, "crm", "dedupe", "--json"))
    assert [(p["left_name"], p["right_name"], p["score"]) for p in pairs] == [
        ("José García", "Jose Garcia", 100.0)
    ]
    assert "1 candidate pairs" in run(env, "crm", "dedupe")


def test_date_order_option_reads_ambiguous_dates(cli_env, tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Email,Customer since\nann@example.com,03/04/2024\n", encoding="utf-8")
    refused = json.loads(run(cli_env, "crm", "import", "customers", str(path), "--dry-run",
                             "--json"))  # fmt: skip
    assert refused["counts"] == {"rows": 1, "rejected": 1}
    read = json.loads(run(cli_env, "crm", "import", "customers", str(path), "--date-order",
                          "mdy", "--json"))  # fmt: skip
    assert read["counts"] == {"rows": 1, "created": 1}


def test_a_bad_mapping_is_a_clear_error(cli_env, tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Name,Notes\nAnn,hi\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["crm", "import", "customers", str(path)], env=cli_env)
    assert result.exit_code == 1
    assert "no column for email or phone" in result.output
    result = CliRunner().invoke(
        main, ["crm", "import", "customers", str(path), "--map", "Notes"], env=cli_env
    )
    assert "--map expects column=field" in result.output
