"""Slack settings: off without both secret and token; one without the other is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicedesk.config import Config, ConfigError


def test_slack_is_off_without_settings_and_on_with_both(tmp_path: Path) -> None:
    base = {"SERVICEDESK_INSTANCE_DIR": str(tmp_path)}
    assert not Config.from_env(base).slack_enabled
    config = Config.from_env(
        {
            **base,
            "SERVICEDESK_SLACK_SIGNING_SECRET": "s3cret",
            "SERVICEDESK_SLACK_BOT_TOKEN": "xoxb-1",
            "SERVICEDESK_SLACK_CHANNELS": "C01, C02",
            "SERVICEDESK_SLACK_API_URL": "http://127.0.0.1:9/api/",
        }
    )
    assert config.slack_enabled and config.slack_channels == ("C01", "C02")
    assert config.slack_api_url == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("SERVICEDESK_SLACK_SIGNING_SECRET", "SERVICEDESK_SLACK_BOT_TOKEN"),
        ("SERVICEDESK_SLACK_BOT_TOKEN", "SERVICEDESK_SLACK_SIGNING_SECRET"),
    ],
)
def test_one_slack_setting_without_the_other_fails_with_its_name(
    tmp_path: Path, given: str, missing: str
) -> None:
    with pytest.raises(ConfigError, match=f"{missing}: required with {given}"):
        Config.from_env({"SERVICEDESK_INSTANCE_DIR": str(tmp_path), given: "x"})


def test_a_bad_api_url_fails_with_its_name(tmp_path: Path) -> None:
    env = {"SERVICEDESK_INSTANCE_DIR": str(tmp_path), "SERVICEDESK_SLACK_API_URL": "ftp://x"}
    with pytest.raises(ConfigError, match="SERVICEDESK_SLACK_API_URL"):
        Config.from_env(env)
