"""The console script as users run it: a fresh instance dir, no other settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from servicedesk.app import create_app
from servicedesk.cli import main
from servicedesk.config import Config
from servicedesk.container import Container

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
    # The desk's five, six past requests of the CRM's customers, three of the help centre's,
    # two counted against the service contract.
    assert count == 5 + 6 + 3 + 2
    assert channels == {"email", "webchat", "slack", "portal"}


def test_demo_customer_signs_in_with_the_printed_link(tmp_path: Path) -> None:
    run = subprocess.run(
        [SERVICEDESK, "demo", "--no-serve"], env=env(tmp_path), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    link = re.search(r"customer@demo\.local: http://[^/]+(/help/sign-in/\S+)", run.stdout)
    assert link, run.stdout
    instance = tmp_path / "instance"
    config = Config(
        instance_dir=instance,
        database_url=f"sqlite:///{instance / 'servicedesk.db'}",
        secret_key=(instance / "secret_key").read_text().strip(),
        testing=True,
    )
    client = create_app(container=Container.build(config, synchronous_jobs=True)).test_client()
    landing = client.get(link.group(1)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', landing)
    assert token
    assert client.post(link.group(1), data={"csrf_token": token.group(1)}).status_code == 302
    page = client.get("/help/requests").get_data(as_text=True)
    for subject in ("Parcel not delivered", "Change my billing address", "Reset my password"):
        assert subject in page
    assert "pending" in page and "solved" in page


def test_portal_manager_needs_a_customer_in_an_organisation(tmp_path: Path) -> None:
    runner = CliRunner(env=env(tmp_path))
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    unknown = runner.invoke(main, ["portal", "manager", "nobody@acme.example"])
    assert unknown.exit_code == 1 and "no customer has the address" in unknown.output
