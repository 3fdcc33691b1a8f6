"""A fake clock and recording ports for the workflow engine's tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_core.campaigns.workflows.definition import References
from crm_core.campaigns.workflows.ports import WorkflowPorts

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NO_PROBLEM = References(campaign=lambda _id: None, agent=lambda _id: None)


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Recorded:
    notices: list[tuple[int, str, str]] = field(default_factory=list)
    sends: list[int] = field(default_factory=list)

    def ports(self, **kw: Any) -> WorkflowPorts:
        return WorkflowPorts(
            notify_rep=lambda a, t, k: self.notices.append((a, t, k)),
            send_campaign=self.sends.append,
            consent=lambda query: query,  # the tests' customers need no consent rows
            **kw,
        )
