"""`servicedesk router retrain` and `channel-capacity` as users run them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.integration.test_cli import SERVICEDESK, env


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SERVICEDESK, *args], env=env(tmp_path), capture_output=True, text=True, check=False
    )


def test_channel_capacity_is_set_and_removed(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    created = run(tmp_path, "agent", "create", "ana@desk.example", "--password", "long-enough")
    assert created.returncode == 0, created.stderr
    done = run(tmp_path, "router", "channel-capacity", "ANA@desk.example", "webchat", "2")
    assert done.returncode == 0, done.stderr
    assert "at most 2 open" in done.stdout
    engine = create_engine(f"sqlite:///{tmp_path / 'instance' / 'servicedesk.db'}")
    query = text("SELECT channel, capacity FROM agent_channel_capacities")
    with engine.connect() as conn:
        assert conn.execute(query).all() == [("webchat", 2)]
    assert (
        run(
            tmp_path, "router", "channel-capacity", "ana@desk.example", "webchat", "none"
        ).returncode
        == 0
    )
    with engine.connect() as conn:
        assert conn.execute(query).all() == []
    bad = run(tmp_path, "router", "channel-capacity", "nobody@desk.example", "webchat", "2")
    assert bad.returncode != 0 and "no agent nobody@desk.example" in bad.stderr


def test_retrain_without_a_model_says_so(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    result = run(tmp_path, "router", "retrain")
    assert result.returncode == 0, result.stderr
    assert "unchanged: no router model trained yet" in result.stdout
