"""The console script as users run it: a fresh instance dir, no other settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from servicedesk.cli import main

SERVICEDESK = str(Path(sys.executable).with_name("servicedesk"))


def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    return {**clean, "SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance")}


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["demo"],
        ["worker"],
        ["db", "upgrade"],
        ["agent", "create"],
        ["agent", "capacity"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    run = subprocess.run(
        [SERVICEDESK, "db", "upgrade"],
        env=env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "up to date" in run.stdout
    tables = inspect(create_engine(f"sqlite:///{tmp_path / 'instance' / 'servicedesk.db'}"))
    assert {"service_requests", "messages", "agents", "alembic_version"} <= set(
        tables.get_table_names()
    )


def test_agent_create_then_duplicate_is_refused(tmp_path: Path) -> None:
    args = [
        SERVICEDESK,
        "agent",
        "create",
        "kim@desk.example",
        "--role",
        "sales",
        "--password",
        "long-enough",
    ]
    first = subprocess.run(args, env=env(tmp_path), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "roles sales" in first.stdout
    again = subprocess.run(args, env=env(tmp_path), capture_output=True, text=True)
    assert again.returncode == 2
    assert "already exists" in again.stderr


def test_bad_setting_stops_the_command_with_its_name(tmp_path: Path) -> None:
    bad = {**env(tmp_path), "SERVICEDESK_REDIS_URL": "nonsense"}
    run = subprocess.run([SERVICEDESK, "db", "upgrade"], env=bad, capture_output=True, text=True)
    assert run.returncode == 1
    assert "SERVICEDESK_REDIS_URL" in run.stderr


def test_demo_data_loads_twice_without_duplicates(tmp_path: Path) -> None:
    for _ in range(2):
        run = subprocess.run(
            [SERVICEDESK, "demo", "--no-serve"], env=env(tmp_path), capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        assert "admin@demo.local / demo-admin" in run.stdout
        assert "agent@demo.local / demo-agent" in run.stdout
    engine = create_engine(f"sqlite:///{tmp_path / 'instance' / 'servicedesk.db'}")
    with engine.connect() as conn:
        channels = {row[0] for row in conn.exec_driver_sql("select channel from service_requests")}
        count = conn.exec_driver_sql("select count(*) from service_requests").scalar()
    assert count == 5 + 6  # the desk's five, and six past requests of the CRM's customers
    assert channels == {"email", "webchat", "slack", "portal"}
