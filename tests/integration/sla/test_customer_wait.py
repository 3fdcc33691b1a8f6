"""A chat customer's message that changes no clock skips the SLA recompute, and leaves
the clocks, due time and due events a recompute from the whole history would leave."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from channels.messages import InboundMessage, Sender
from crm_core.db import UnitOfWork, utcnow
from crm_core.timeline import as_utc
from servicedesk.desk import operations
from servicedesk.desk.models import Priority, ServiceRequest, Status
from servicedesk.desk.sla import service
from servicedesk.desk.sla.admin import load_setup_file, save_policy
from servicedesk.desk.sla.models import SlaClock, SlaDueEvent
from tests.factories import make_agent

Uow = Callable[[], UnitOfWork]
TARGETS = {"first_response": 60, "next_response": 30, "resolution": 480}
LIVE = {
    "name": "live",
    "conditions": [{"fact": "channel", "op": "in", "value": ["webchat"]}],
    "calendar": "24/7",
    "warn_before_minutes": 15,
    "targets": dict.fromkeys(("low", "normal", "high", "urgent"), TARGETS),
}
# A policy tested before the chat's, on the contract first: a chat never reads the contract.
GOLD = {
    "name": "gold mail",
    "conditions": [
        {"fact": "contract.sla_tier", "op": "equals", "value": "gold"},
        {"fact": "channel", "op": "in", "value": ["email"]},
    ],
    "targets": {"normal": TARGETS},
}
_ids = itertools.count()


class Desk:
    """One chat conversation driven step by step; counts the recomputes intake ran."""

    def __init__(self, uow_factory: Uow, monkeypatch: pytest.MonkeyPatch) -> None:
        self.uow = uow_factory
        self.recomputes = 0
        self.request_id = 0
        self.last_reply_at: datetime | None = None
        history = service.request_history

        def counted(*args: Any) -> Any:
            self.recomputes += 1
            return history(*args)

        monkeypatch.setattr(service, "request_history", counted)
        with uow_factory() as uow:
            load_setup_file(uow.session, {"policies": [GOLD, LIVE]})
            self.agent_id = make_agent(uow, "Ana").id
            uow.commit()

    def customer(self, received_at: datetime | None = None) -> bool:
        """A chat message; whether intake recomputed the clocks."""
        before = self.recomputes
        message = InboundMessage(
            channel="webchat",
            external_id=f"chat-{next(_ids)}",
            sender=Sender("webchat", "visitor-1"),
            text="Still there?",
            thread_key="conversation-1",
            live=True,
            received_at=received_at or utcnow(),
        )
        with self.uow() as uow:
            self.request_id = operations.receive_inbound(uow, message).request_id
            uow.commit()
        return self.recomputes > before

    def agent(self, action: str) -> None:
        with self.uow() as uow:
            rid, agent = self.request_id, self.agent_id
            if action == "reply":
                self.last_reply_at = operations.post_reply(uow, rid, agent, "On it").created_at
            elif action == "reply and solve":
                operations.post_reply(uow, rid, agent, "Done", status_after=Status.SOLVED)
            elif action == "urgent":
                operations.update_request(uow, rid, agent, priority=Priority.URGENT)
            elif action == "faster policy":  # edited without refreshing the open requests
                save_policy(
                    uow.session, {**LIVE, "targets": {"urgent": {**TARGETS, "next_response": 10}}}
                )
            else:
                operations.change_status(uow, rid, Status(action), agent_id=agent)
            uow.commit()


def stored(uow: UnitOfWork, request_id: int) -> dict[str, Any]:
    """The request's SLA as stored; `consumed_seconds` is a running clock's use as of its
    last recompute (nothing reads it), and a paused clock's time paused grows by itself."""
    request = uow.session.get_one(ServiceRequest, request_id)
    clocks = uow.session.scalars(select(SlaClock).where(SlaClock.request_id == request_id))
    events = uow.session.scalars(select(SlaDueEvent).where(SlaDueEvent.request_id == request_id))
    return {
        "request": (
            request.sla_policy,
            _at(request.sla_due_at),
            request.sla_clock,
            request.sla_state,
        ),
        "clocks": sorted(
            (
                c.clock,
                c.cycle,
                c.policy_id,
                c.calendar,
                _at(c.started_at),
                c.target_seconds,
                c.consumed_before,
                None if c.state == "paused" else c.paused_seconds,
                _at(c.running_since),
                _at(c.due_at),
                _at(c.stopped_at),
                _at(c.breached_at),
                c.state,
            )
            for c in clocks
        ),
        "events": sorted((e.key, _at(e.due_at), _at(e.fired_at)) for e in events),
    }


def recomputed(uow_factory: Uow, request_id: int) -> dict[str, Any]:
    """What a recompute from the whole history stores (rolled back)."""
    with uow_factory() as uow:
        request = uow.session.get_one(ServiceRequest, request_id)
        service.refresh_request_sla(uow.session, request, utcnow())
        uow.session.flush()
        return stored(uow, request_id)


def same(kept: Any, full: Any) -> bool:
    """Equal, but for moments and seconds within 50 ms: an operation's own audit entry is
    stamped a moment after the `now` its recompute used, and counts as `now` there."""
    if isinstance(kept, dict):
        return kept.keys() == full.keys() and all(same(kept[k], full[k]) for k in kept)
    if isinstance(kept, list | tuple):
        return len(kept) == len(full) and all(map(same, kept, full))
    if isinstance(kept, datetime) and isinstance(full, datetime):
        return abs((kept - full).total_seconds()) <= 0.05
    if isinstance(kept, float) and isinstance(full, float):
        return abs(kept - full) <= 0.05
    return bool(kept == full)


def _at(moment: datetime | None) -> datetime | None:
    return as_utc(moment) if moment is not None else None


# (step, whether intake recomputes): agent steps always recompute, through their operation.
CONVERSATION = [
    ("customer", True),  # opens the request: the first response is owed
    ("customer", False),  # still owed
    ("customer", False),
    ("reply", None),
    ("customer", True),  # starts the next-response clock
    ("customer", False),  # it already runs
    ("customer between the reply and the wait", True),  # the wait started earlier
    ("customer", False),
    ("pending", None),
    ("customer", True),  # reopens: the clocks ran paused
    ("customer", False),
    ("on_hold", None),
    ("customer", True),  # on hold: the customer does not resume it, its clocks stay paused
    ("open", None),
    ("customer", False),
    ("urgent", None),
    ("customer", False),  # the priority's refresh stored the urgent targets
    ("faster policy", None),
    ("customer", True),  # the stored target is not the policy's any more
    ("reply and solve", None),
    ("customer", True),  # reopens the solved request: a new resolution cycle
    ("customer", False),
]


def test_skipped_recompute_leaves_what_a_full_one_would(
    uow_factory: Uow, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = Desk(uow_factory, monkeypatch)
    for number, (step, recomputes) in enumerate(CONVERSATION):
        if step.startswith("customer"):
            received = None
            if step == "customer between the reply and the wait":
                assert desk.last_reply_at is not None
                received = as_utc(desk.last_reply_at) + timedelta(microseconds=1)
            assert desk.customer(received) == recomputes, f"step {number}: {step}"
        else:
            desk.agent(step)
        if step == "faster policy":
            continue  # an edit leaves the stored clocks until `refresh_open_requests`
        with uow_factory() as uow:
            kept = stored(uow, desk.request_id)
        assert same(kept, recomputed(uow_factory, desk.request_id)), f"step {number}: {step}"
    with uow_factory() as uow:
        clocks = {c.clock: (c.state, c.cycle) for c in uow.session.scalars(select(SlaClock))}
    assert clocks["next_response"] == ("running", 2) and clocks["resolution"] == ("running", 1)
