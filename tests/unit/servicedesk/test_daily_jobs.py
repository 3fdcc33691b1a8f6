"""The daily ticker enqueues every job of `jobs.DAILY`, again and again."""

from __future__ import annotations

import time

from servicedesk.jobs import DAILY, JOBS
from servicedesk.queues import start_daily
from tests.fakes import RecordingQueue


def test_daily_jobs_are_known_and_enqueued_repeatedly() -> None:
    assert all(job in JOBS for _queue, job in DAILY)
    tasks = RecordingQueue()
    start_daily(tasks, every=0.01, first_after=0)
    deadline = time.monotonic() + 5
    while tasks.jobs().count("apply_retention") < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert tasks.jobs().count("apply_retention") >= 2


def test_retention_setting_is_off_by_default_and_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from servicedesk.config import Config, ConfigError

    base = {"SERVICEDESK_INSTANCE_DIR": str(tmp_path)}
    assert Config.from_env(base).retention_closed_request_years == 0
    years = {**base, "SERVICEDESK_RETENTION_CLOSED_REQUEST_YEARS": "7"}
    assert Config.from_env(years).retention_closed_request_years == 7
    with pytest.raises(ConfigError, match="SERVICEDESK_RETENTION_CLOSED_REQUEST_YEARS"):
        Config.from_env({**base, "SERVICEDESK_RETENTION_CLOSED_REQUEST_YEARS": "-1"})
