"""Configuration: defaults without settings, and a bad value names its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicedesk.config import Config, ConfigError


def test_no_settings_means_sqlite_in_the_instance_dir(tmp_path: Path) -> None:
    config = Config.from_env({"SERVICEDESK_INSTANCE_DIR": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'servicedesk.db'}"
    assert config.redis_url is None
    assert config.whoosh_dir == tmp_path / "whoosh"


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Config.from_env({"SERVICEDESK_INSTANCE_DIR": str(tmp_path)}).secret_key
    second = Config.from_env({"SERVICEDESK_INSTANCE_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SERVICEDESK_DATABASE_URL", "mysql://nope"),
        ("SERVICEDESK_REDIS_URL", "http://localhost"),
        ("SERVICEDESK_SESSION_MINUTES", "-3"),
        ("SERVICEDESK_MAIL_FROM", "not-an-address"),
        ("SERVICEDESK_MAIL_IMAP_URL", "pop3://x"),
        ("SERVICEDESK_SECURE_COOKIES", "maybe"),
        ("SERVICEDESK_PROXY_HOPS", "-1"),
    ],
)
def test_bad_value_fails_with_its_name(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env({"SERVICEDESK_INSTANCE_DIR": str(tmp_path), name: value})


def test_proxy_hops_default_to_none(tmp_path: Path) -> None:
    assert Config.from_env({"SERVICEDESK_INSTANCE_DIR": str(tmp_path)}).proxy_hops == 0
    hops = Config.from_env(
        {"SERVICEDESK_INSTANCE_DIR": str(tmp_path), "SERVICEDESK_PROXY_HOPS": "1"}
    )
    assert hops.proxy_hops == 1


def test_the_base_url_follows_the_served_port_unless_set(tmp_path: Path) -> None:
    plain = Config.from_env({"SERVICEDESK_INSTANCE_DIR": str(tmp_path)})
    assert plain.served_at("127.0.0.1", 8123).base_url == "http://127.0.0.1:8123"
    assert plain.served_at("0.0.0.0", 8123).base_url == "http://127.0.0.1:8123"
    assert plain.served_at("desk.lan", 80).base_url == "http://desk.lan:80"
    given = Config.from_env(
        {"SERVICEDESK_INSTANCE_DIR": str(tmp_path), "SERVICEDESK_BASE_URL": "https://desk.example"}
    )
    assert given.served_at("127.0.0.1", 8123).base_url == "https://desk.example"


def test_https_settings_turn_hsts_on(tmp_path: Path) -> None:
    base = {"SERVICEDESK_INSTANCE_DIR": str(tmp_path)}
    assert Config.from_env(base).hsts_seconds == 0
    secure = Config.from_env({**base, "SERVICEDESK_SECURE_COOKIES": "1"})
    assert secure.hsts_seconds == 365 * 24 * 3600
    https = Config.from_env({**base, "SERVICEDESK_BASE_URL": "https://desk.example"})
    assert https.hsts_seconds == 365 * 24 * 3600
    chosen = Config.from_env(
        {**base, "SERVICEDESK_SECURE_COOKIES": "1", "SERVICEDESK_HSTS_SECONDS": "0"}
    )
    assert chosen.hsts_seconds == 0
