"""The SLA clocks of one request, computed from its history at a given moment.

Recomputed from scratch on every change, so a merge, a reopen or an edited policy never
leaves a clock in a state no history explains. A clock runs in the calendar's open hours,
pauses while the request is pending (waiting on the customer) or on hold, and stops when
it is met (a reply; solved for resolution).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from servicedesk.desk.sla.calendar import BusinessCalendar
from servicedesk.desk.sla.policy import SlaPolicy

PAUSED = frozenset({"pending", "on_hold"})
DONE = frozenset({"solved", "closed"})


@dataclass(frozen=True)
class History:
    """What the clocks read of a request; `statuses` are (when, new status), oldest first.

    `inbound` and `outbound` may be only the times the clocks read (the first customer
    message and the first after the last reply; the first and last reply,
    `sla.history`); `replies` then says how many replies there were (a next-response
    clock's cycle), else it is `len(outbound)`.
    """

    opened_at: datetime
    priority: str
    statuses: Sequence[tuple[datetime, str]]
    inbound: Sequence[datetime]
    outbound: Sequence[datetime]
    replies: int | None = None


@dataclass(frozen=True)
class ClockState:
    clock: str
    cycle: int  # a reopened request's resolution clock, each new customer wait: a new cycle
    started_at: datetime
    target_seconds: int
    consumed_seconds: float  # open time used so far (until stopped)
    paused_seconds: float  # wall time spent paused since it started
    stopped_at: datetime | None
    running_since: datetime | None  # when running now: start of the current run
    consumed_before: float  # open time used before `running_since`
    due_at: datetime | None  # when running now
    breached_at: datetime | None

    @property
    def state(self) -> str:
        if self.stopped_at is not None:
            return "breached" if self.breached_at else "met"
        if self.running_since is None:
            return "paused"
        return "breached" if self.breached_at else "running"


def compute_clocks(
    history: History, policy: SlaPolicy, calendar: BusinessCalendar, now: datetime
) -> list[ClockState]:
    """Every clock the policy sets a target for and the history has started."""
    states = []
    for clock, span in _spans(history, now).items():
        minutes = policy.target(history.priority, clock)
        if minutes is None or span is None:
            continue
        states.append(_measure(clock, span, minutes * 60, history, calendar, now))
    return states


Span = tuple[int, datetime, datetime | None]  # cycle, start, stop


def _spans(history: History, now: datetime) -> dict[str, Span | None]:
    inbound = [t for t in history.inbound if t <= now]
    outbound = sorted(t for t in history.outbound if t <= now)
    statuses = [(t, s) for t, s in history.statuses if t <= now]
    opened = min([history.opened_at, *inbound])
    first_done = next((t for t, s in statuses if s in DONE), None)
    first_reply = next((t for t in outbound if t >= opened), None)
    spans: dict[str, Span | None] = {
        "first_response": (0, opened, _earliest(first_reply, first_done)),
        "next_response": None,
        "resolution": _resolution_span(opened, statuses),
    }
    if first_reply is not None:
        last_reply = outbound[-1]
        waiting = sorted(t for t in inbound if t > last_reply)
        if waiting and not (statuses and statuses[-1][1] in DONE):
            replies = len(outbound) if history.replies is None else history.replies
            spans["next_response"] = (replies, waiting[0], None)
    return spans


def _resolution_span(opened: datetime, statuses: Sequence[tuple[datetime, str]]) -> Span:
    start, cycle, stop = opened, 0, None
    previous = "new"
    for when, status in statuses:
        if previous in DONE and status not in DONE:
            start, cycle, stop = when, cycle + 1, None  # reopened: a new resolution clock
        elif status in DONE and previous not in DONE:
            stop = when
        previous = status
    return cycle, start, stop


def _earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def _runs(
    start: datetime, end: datetime, statuses: Sequence[tuple[datetime, str]]
) -> tuple[list[tuple[datetime, datetime]], float]:
    """The stretches of [start, end) not paused, and the wall seconds paused."""
    runs: list[tuple[datetime, datetime]] = []
    paused = 0.0
    current = "new"
    for when, status in statuses:
        if when > start:
            break
        current = status
    cursor = start
    for when, status in [*[(t, s) for t, s in statuses if start < t < end], (end, "")]:
        if current in PAUSED:
            paused += (when - cursor).total_seconds()
        elif when > cursor:
            runs.append((cursor, when))
        cursor, current = when, status or current
    return runs, paused


def _measure(
    clock: str,
    span: Span,
    target: int,
    history: History,
    calendar: BusinessCalendar,
    now: datetime,
) -> ClockState:
    cycle, start, stop = span
    end = stop or now
    runs, paused = _runs(start, end, history.statuses)
    running = stop is None and _status_at(history, now)
    if running and not (runs and runs[-1][1] == end):
        # Resumed at `now` itself (the operation's own status change): a run starts now.
        runs.append((end, end))
    consumed = 0.0
    breached_at = None
    for begin, finish in runs[:-1] if running else runs:
        used = calendar.elapsed(begin, finish)
        if breached_at is None and consumed + used > target:
            breached_at = calendar.add(begin, target - consumed)
        consumed += used
    running_since = due = None
    before = consumed
    if running:
        running_since = runs[-1][0]
        due = calendar.add(running_since, target - consumed)
        consumed += calendar.elapsed(running_since, now)
        if breached_at is None and due is not None and due <= now:
            breached_at = due
    return ClockState(
        clock, cycle, start, target, consumed, paused, stop, running_since, before, due, breached_at
    )


def _status_at(history: History, now: datetime) -> bool:
    """Whether the request is, at `now`, in a status in which clocks run."""
    current = "new"
    for when, status in history.statuses:
        if when <= now:
            current = status
    return current not in PAUSED and current not in DONE


def due_from(state: ClockState, calendar: BusinessCalendar) -> datetime | None:
    """A running clock's due time under `calendar` (after a calendar edit), from its state."""
    if state.running_since is None:
        return None
    return calendar.add(state.running_since, state.target_seconds - state.consumed_before)


def warning_at(due: datetime, policy: SlaPolicy) -> datetime:
    return due - timedelta(minutes=policy.warn_before_minutes)
