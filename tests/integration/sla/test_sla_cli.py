"""The SLA, automation and report commands on a fresh instance (migrated by the CLI)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicedesk.cli import main

SETUP = """
calendars:
  - name: Office
    timezone: Europe/Berlin
    hours: {mon: "09:00-17:00", tue: "09:00-17:00"}
    holidays: ["12-25"]
policies:
  - name: Standard
    calendar: Office
    targets: {normal: {first_response: 240}}
"""
AUTOMATION = """
macros:
  - {name: Thanks, shortcut: thanks, body: "Hello {{ customer.name }}"}
rules:
  - {name: Tag refunds, on: created, actions: [{add_tag: refund}],
     conditions: [{fact: subject, op: contains, value: [refund]}]}
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for key in [k for k in os.environ if k.startswith("SERVICEDESK_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("SERVICEDESK_INSTANCE_DIR", str(tmp_path / "instance"))
    return CliRunner()


def test_load_explain_and_report(cli: CliRunner, tmp_path: Path) -> None:
    setup = tmp_path / "sla.yaml"
    setup.write_text(SETUP)
    loaded = cli.invoke(main, ["sla", "load", str(setup)])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 1 calendars and 1 policies" in loaded.output
    rules = tmp_path / "automation.yaml"
    rules.write_text(AUTOMATION)
    assert (
        "1 canned replies and 1 rules"
        in cli.invoke(main, ["automation", "load", str(rules)]).output
    )
    missing = cli.invoke(main, ["sla", "explain", "SR-9999"])
    assert missing.exit_code != 0 and "no such request" in missing.output
    report = cli.invoke(
        main, ["report", "service", "--from", "2026-01-01", "--to", "2026-01-31", "--json"]
    )
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)[0] == {
        "dimension": "all",
        "value": "all",
        "requests": 0,
        "first_response_median_min": None,
        "first_response_p90_min": None,
        "resolution_median_min": None,
        "resolution_p90_min": None,
        "sla_requests": 0,
        "sla_met": 0,
        "attainment_pct": None,
    }


def test_bad_files_name_the_problem(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("policies:\n  - name: X\n    calendar: Nowhere\n")
    result = cli.invoke(main, ["sla", "load", str(bad)])
    assert result.exit_code != 0 and "calendar 'Nowhere' does not exist" in result.output
    bad.write_text("calendars: [")
    assert "not valid YAML" in cli.invoke(main, ["sla", "load", str(bad)]).output


@pytest.mark.parametrize(
    "command",
    [
        ["sla", "explain"],
        ["sla", "load"],
        ["sla", "sweep"],
        ["automation", "load"],
        ["report", "service"],
    ],
)
def test_new_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_explain_a_request(cli: CliRunner, tmp_path: Path) -> None:
    from channels.messages import InboundMessage, Sender
    from servicedesk.cli.context import container
    from servicedesk.desk.operations import receive_inbound

    setup = tmp_path / "sla.yaml"
    setup.write_text(SETUP.replace("calendar: Office", "calendar: 24/7"))
    assert cli.invoke(main, ["sla", "load", str(setup)]).exit_code == 0
    with container().uow() as uow:
        opened = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id="cli-1",
                sender=Sender("email", "cli@customer.example"),
                subject="Explain me",
                text="Hello",
            ),
        )
        uow.commit()
    text = cli.invoke(main, ["sla", "explain", opened.reference])
    assert text.exit_code == 0, text.output
    assert "policy Standard, calendar 24/7" in text.output and "first_response" in text.output
    report = json.loads(cli.invoke(main, ["sla", "explain", opened.reference, "--json"]).output)
    assert report["policy"] == "Standard"
    assert report["clocks"][0]["target_minutes"] == 240 and not report["clocks"][0]["breached"]
