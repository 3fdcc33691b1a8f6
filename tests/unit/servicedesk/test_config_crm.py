"""The CRM's settings: phone region and date order."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicedesk.config import Config, ConfigError


def test_crm_settings_default_to_unset_and_are_read(tmp_path: Path) -> None:
    base = {"SERVICEDESK_INSTANCE_DIR": str(tmp_path)}
    config = Config.from_env(base)
    assert (config.crm_phone_region, config.crm_date_order) == (None, None)
    config = Config.from_env(
        {**base, "SERVICEDESK_CRM_PHONE_REGION": "de", "SERVICEDESK_CRM_DATE_ORDER": "MDY"}
    )
    assert (config.crm_phone_region, config.crm_date_order) == ("DE", "mdy")


@pytest.mark.parametrize(
    ("name", "value"),
    [("SERVICEDESK_CRM_PHONE_REGION", "Germany"), ("SERVICEDESK_CRM_DATE_ORDER", "ymd")],
)
def test_bad_crm_settings_fail_with_their_name(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env({"SERVICEDESK_INSTANCE_DIR": str(tmp_path), name: value})
