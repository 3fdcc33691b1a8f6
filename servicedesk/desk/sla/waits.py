"""When a customer message changes no SLA clock, so its recompute can be skipped.

A customer message can only start a wait: the next-response clock after a reply (the
first-response clock starts with the request). If the request already waits on the desk,
a later message from the customer changes nothing: the first response is still owed, or
the next-response clock already runs from the first message after the last reply. A
recompute from the history would give the same clocks, due time and due events; only
`consumed_seconds`, the open time used as of the recompute, would be later (nothing
reads it of a running clock: it is `consumed_before` plus the time since
`running_since`).

Anything else (a clock paused or due, a policy, target or status that no longer matches
what was stored, a message older than the wait's start) recomputes from the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crm_core.timeline import as_utc
from servicedesk.desk.sla.clocks import DONE, PAUSED
from servicedesk.desk.sla.models import SlaClock
from servicedesk.desk.sla.policy import SlaPolicy

_WAIT_CLOCKS = ("next_response", "first_response")  # the one that times the customer's wait
_STARTED_WITH_THE_REQUEST = ("first_response", "resolution")


def wait_already_timed(
    status: str,
    policy: SlaPolicy,
    priority: str,
    stored: Sequence[SlaClock],
    received: datetime,
    now: datetime,
) -> bool:
    """Whether a customer message `received` (at most `now`) leaves every stored clock as
    a recompute at `now` would leave it."""
    if status in PAUSED or status in DONE:
        return False
    clocks = {row.clock: row for row in stored}
    for name in _STARTED_WITH_THE_REQUEST:
        if (policy.target(priority, name) is not None) != (name in clocks):
            return False
    for row in stored:
        if not _as_policy_sets(row, policy, priority) or not _runs_until_later(row, now):
            return False
    wait = next(
        (clocks[n] for n in _WAIT_CLOCKS if n in clocks and clocks[n].stopped_at is None), None
    )
    return wait is not None and received >= as_utc(wait.started_at)


def _as_policy_sets(row: SlaClock, policy: SlaPolicy, priority: str) -> bool:
    target = policy.target(priority, row.clock)
    return (
        row.policy_id == policy.id
        and row.calendar == policy.calendar
        and target is not None
        and row.target_seconds == target * 60
    )


def _runs_until_later(row: SlaClock, now: datetime) -> bool:
    """Stopped for good, or running and not yet due (a paused one's time paused grows)."""
    if row.stopped_at is not None:
        return True
    return row.running_since is not None and row.due_at is not None and as_utc(row.due_at) > now
