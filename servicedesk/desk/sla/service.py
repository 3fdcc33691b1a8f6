"""Keeping each request's SLA clocks, due time and due events up to date.

`refresh_request_sla` runs inside the operation that changed the request (intake, reply,
status, priority, merge), in its transaction, with the clock injected as `now`; intake
calls `refresh_after_customer_message`, which skips it when the message changed no clock.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.orm import Session

from crm_core.per_transaction import forget, once_per_transaction
from crm_core.timeline import as_utc
from servicedesk.desk.contracts import sla_contract_facts
from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.sla.calendar import ALWAYS, BusinessCalendar, calendar_from_dict
from servicedesk.desk.sla.clocks import ClockState, compute_clocks, warning_at
from servicedesk.desk.sla.history import request_history
from servicedesk.desk.sla.models import SlaCalendarRow, SlaClock, SlaDueEvent, SlaPolicyRow
from servicedesk.desk.sla.policy import SlaPolicy, policy_from_dict, select_policy
from servicedesk.desk.sla.waits import wait_already_timed

_KEY = "sla.per_transaction"
_CLOCKS = select(SlaClock).where(SlaClock.request_id == bindparam("rid"))


@dataclass(frozen=True)
class SlaSetup:
    """The enabled policies in order and the calendars by name."""

    policies: tuple[SlaPolicy, ...]
    calendars: Mapping[str, BusinessCalendar]

    def calendar(self, name: str) -> BusinessCalendar:
        return ALWAYS if name == ALWAYS.name else self.calendars.get(name, ALWAYS)


class _StoredCalendars(Mapping[str, BusinessCalendar]):
    """The calendars, read at the first use of one: a 24/7 policy (chat's) never needs them."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._read: dict[str, BusinessCalendar] | None = None

    def _all(self) -> dict[str, BusinessCalendar]:
        if self._read is None:
            self._read = {ALWAYS.name: ALWAYS}
            for row in self._session.scalars(select(SlaCalendarRow)):
                self._read[row.name] = calendar_from_dict({**row.definition, "name": row.name})
        return self._read

    def __getitem__(self, name: str) -> BusinessCalendar:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def load_setup(session: Session) -> SlaSetup:
    """Policies and calendars, read once per transaction (admins edit them rarely)."""
    return once_per_transaction(session, _KEY, lambda: _read_setup(session))


def _read_setup(session: Session) -> SlaSetup:
    rows = session.scalars(
        select(SlaPolicyRow)
        .where(SlaPolicyRow.enabled.is_(True))
        .order_by(SlaPolicyRow.position, SlaPolicyRow.id)
    )
    policies = tuple(
        policy_from_dict({"name": r.name, **r.definition}, policy_id=r.id) for r in rows
    )
    # No policy, no clock: the calendars are not even read.
    calendars = _StoredCalendars(session) if policies else {ALWAYS.name: ALWAYS}
    return SlaSetup(policies, calendars)


def forget_setup(session: Session) -> None:
    """Drop the transaction's copy after an edit of policies or calendars."""
    forget(session, _KEY)


def request_facts(
    request: ServiceRequest, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What SLA policies test. `contract.sla_tier` comes in `extra` (`refresh_request_sla`
    reads it from the request's contract, `servicedesk.desk.contracts`)."""
    customer = request.customer
    organisation = customer.organization if customer is not None else None
    facts: dict[str, Any] = {
        "priority": request.priority.value,
        "channel": request.channel,
        "category": request.category,
        "team": request.team.name if request.team else None,
        "tags": ",".join(request.tags or []),
        "customer.vip": customer.vip if customer is not None else None,
        "customer.tier": organisation.tier if organisation else None,
        "organisation": organisation.name if organisation else None,
        "contract.sla_tier": None,
    }
    facts.update(extra or {})
    return facts


class _FactsWithContract(Mapping[str, Any]):
    """A request's facts; its contract's (one query) are read only if a policy tests one,
    which `select_policy` does after every cheaper condition of the policy held."""

    def __init__(
        self, session: Session, request: ServiceRequest, now: datetime, extra: Mapping[str, Any]
    ) -> None:
        self._facts = request_facts(request, extra)
        self._given = set(extra)
        self._request = (session, request, now)
        self._contract: dict[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        if key.startswith("contract.") and key not in self._given:
            if self._contract is None:
                self._contract = sla_contract_facts(*self._request)
            if key in self._contract:
                return self._contract[key]
        return self._facts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)


def _policy_for(
    session: Session,
    setup: SlaSetup,
    request: ServiceRequest,
    now: datetime,
    extra_facts: Mapping[str, Any] | None,
) -> SlaPolicy | None:
    if not setup.policies or request.merged_into_id is not None:
        return None
    facts = _FactsWithContract(session, request, now, extra_facts or {})
    return select_policy(setup.policies, facts)


def refresh_request_sla(
    session: Session,
    request: ServiceRequest,
    now: datetime,
    *,
    extra_facts: Mapping[str, Any] | None = None,
) -> list[ClockState]:
    """Recompute the request's clocks, store them, its due time and its due events."""
    setup = load_setup(session)
    if not setup.policies and request.sla_policy is None:
        return []  # no SLA configured: nothing to store or clear
    policy = _policy_for(session, setup, request, now, extra_facts)
    return _recompute(session, setup, request, policy, now)


def refresh_after_customer_message(
    session: Session, request: ServiceRequest, received_at: datetime, now: datetime
) -> list[ClockState] | None:
    """`refresh_request_sla` after a customer message was added to `request`, or None
    when the message changed no clock: the request already waits on the desk and the
    clock timing that wait runs from before the message (see `waits`).

    A chat customer writes many messages per turn; each then costs one read of the
    request's (at most three) clock rows instead of a recompute from its history.
    """
    setup = load_setup(session)
    if not setup.policies and request.sla_policy is None:
        return []
    policy = _policy_for(session, setup, request, now, None)
    rows = None
    if policy is not None and request.sla_policy == policy.name and request.id is not None:
        rows = list(session.scalars(_CLOCKS, {"rid": request.id}))
        received = min(as_utc(received_at), now)
        if wait_already_timed(
            request.status.value, policy, request.priority.value, rows, received, now
        ):
            return None
    return _recompute(session, setup, request, policy, now, rows)


def _recompute(
    session: Session,
    setup: SlaSetup,
    request: ServiceRequest,
    policy: SlaPolicy | None,
    now: datetime,
    rows: list[SlaClock] | None = None,
) -> list[ClockState]:
    if policy is None:
        _clear(session, request)
        return []
    calendar = setup.calendar(policy.calendar)
    states = compute_clocks(request_history(session, request, now), policy, calendar, now)
    _store_clocks(session, request, policy, states, rows)
    _schedule(session, request, policy, states)
    running = sorted((s for s in states if s.due_at is not None), key=lambda s: s.due_at)  # type: ignore[arg-type, return-value]
    nearest = running[0] if running else None
    request.sla_policy = policy.name
    _assign(request, "sla_due_at", nearest.due_at if nearest else None)
    request.sla_clock = nearest.clock if nearest else None
    request.sla_state = _summary(states)
    return states


def _summary(states: list[ClockState]) -> str | None:
    found = {s.state for s in states}
    for state in ("breached", "running", "paused", "met"):
        if state in found:
            return state
    return None


def _clear(session: Session, request: ServiceRequest) -> None:
    if request.sla_policy is None:
        return  # clocks and events are only ever stored with a policy: nothing to delete
    session.execute(delete(SlaClock).where(SlaClock.request_id == request.id))
    session.execute(
        delete(SlaDueEvent).where(
            SlaDueEvent.request_id == request.id, SlaDueEvent.fired_at.is_(None)
        )
    )
    request.sla_policy = request.sla_due_at = request.sla_clock = request.sla_state = None


def _store_clocks(
    session: Session,
    request: ServiceRequest,
    policy: SlaPolicy,
    states: list[ClockState],
    rows: list[SlaClock] | None,
) -> None:
    if rows is None:
        rows = list(session.scalars(_CLOCKS, {"rid": request.id}))
    existing = {c.clock: c for c in rows}
    for state in states:
        row = existing.pop(state.clock, None)
        if row is None:
            row = SlaClock(request_id=request.id, clock=state.clock)
            session.add(row)
        values = {
            "cycle": state.cycle,
            "policy_id": policy.id,
            "calendar": policy.calendar,
            "started_at": state.started_at,
            "target_seconds": state.target_seconds,
            "consumed_before": state.consumed_before,
            "consumed_seconds": state.consumed_seconds,
            "paused_seconds": state.paused_seconds,
            "running_since": state.running_since,
            "due_at": state.due_at,
            "stopped_at": state.stopped_at,
            "breached_at": state.breached_at,
            "state": state.state,
        }
        for name, value in values.items():
            _assign(row, name, value)
    for gone in existing.values():
        session.delete(gone)


def due_event_key(request_id: int, clock: str, cycle: int, kind: str) -> str:
    return f"{request_id}:{clock}:{cycle}:{kind}"


def _schedule(
    session: Session, request: ServiceRequest, policy: SlaPolicy, states: list[ClockState]
) -> None:
    """Unfired events follow the clocks: moved when the due time moves, dropped when it stops."""
    wanted: dict[str, tuple[ClockState, str, datetime]] = {}
    for state in states:
        if state.due_at is None:
            continue
        for kind, when in (("warning", warning_at(state.due_at, policy)), ("breach", state.due_at)):
            wanted[due_event_key(request.id, state.clock, state.cycle, kind)] = (state, kind, when)
    # The unfired ones and the wanted ones, not every event a long conversation fired.
    rows = {
        e.key: e
        for e in session.scalars(
            select(SlaDueEvent).where(
                SlaDueEvent.request_id == request.id,
                or_(SlaDueEvent.fired_at.is_(None), SlaDueEvent.key.in_(list(wanted))),
            )
        )
    }
    for key, stale in rows.items():
        if stale.fired_at is None and key not in wanted:
            session.delete(stale)
    for key, (state, kind, when) in wanted.items():
        row = rows.get(key)
        if row is None:
            session.add(
                SlaDueEvent(
                    key=key,
                    request_id=request.id,
                    clock=state.clock,
                    cycle=state.cycle,
                    kind=kind,
                    due_at=when,
                )
            )
        elif row.fired_at is None:
            _assign(row, "due_at", when)


def _assign(row: object, name: str, value: object) -> None:
    """Set an attribute unless it holds the same moment: SQLite reads datetimes back naive,
    an aware one compares unequal, and setting it would write an UPDATE of nothing."""
    current = getattr(row, name)
    if isinstance(current, datetime) and isinstance(value, datetime):  # noqa: SIM102
        if as_utc(current) == as_utc(value):
            return
    setattr(row, name, value)
