"""`mail ingest` parses in a worker process by default only where that pays."""

from __future__ import annotations

import os

import pytest

from servicedesk.cli.mail import WORKER_FROM_FILES, default_parse_workers


def test_many_files_on_two_cores_get_a_parse_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert default_parse_workers(WORKER_FROM_FILES) == 1
    assert default_parse_workers(WORKER_FROM_FILES - 1) == 0


def test_one_core_parses_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert default_parse_workers(10 * WORKER_FROM_FILES) == 0
