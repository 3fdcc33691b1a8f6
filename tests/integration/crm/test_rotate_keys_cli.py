"""`servicedesk crm rotate-keys`: from the embedded default's derived key to a new one."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner
from cryptography.fernet import Fernet

from crm_core.crypto import derive_keys
from servicedesk.cli import context, main
from tests.integration.crm.test_messy_import import messy_file


def run(env: dict[str, str], *args: str) -> str:
    # Each command as its own process would: no container kept from the last one's keys.
    context._containers.clear()
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_rotating_from_the_derived_key_to_a_configured_one(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    env = {**clean, "SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance"),
           "SERVICEDESK_CRM_PHONE_REGION": "de"}  # fmt: skip
    run(env, "crm", "import", "customers", str(messy_file(tmp_path)))
    before = json.loads(run(env, "crm", "dedupe", "--json"))
    derived, _search = derive_keys((tmp_path / "instance" / "secret_key").read_text().strip())
    new_key = Fernet.generate_key().decode()
    rotating = {**env, "SERVICEDESK_CRM_ENCRYPTION_KEYS": f"{new_key},{derived}"}
    counts = json.loads(run(rotating, "crm", "rotate-keys", "--json"))
    assert counts["customers"] >= 4 and counts["channel_identities"] == 4
    assert json.loads(run(rotating, "crm", "rotate-keys", "--json"))["customers"] == 0
    # The old key is gone; every value still reads, and phone matches still hold.
    after = {**env, "SERVICEDESK_CRM_ENCRYPTION_KEYS": new_key}
    assert json.loads(run(after, "crm", "dedupe", "--json")) == before


def test_a_malformed_key_is_refused_with_the_setting_named(tmp_path: Path) -> None:
    env = {"SERVICEDESK_INSTANCE_DIR": str(tmp_path), "SERVICEDESK_CRM_ENCRYPTION_KEYS": "nope"}
    result = CliRunner().invoke(main, ["crm", "rotate-keys"], env=env)
    assert result.exit_code != 0
    assert "SERVICEDESK_CRM_ENCRYPTION_KEYS" in result.output
