"""SLA through the desk's operations on SQLite and PostgreSQL: due times, pauses, sweep."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from crm_core.db import utcnow
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.models import Priority, ServiceRequest, Status
from servicedesk.desk.operations import change_status, merge_requests, post_reply, receive_inbound
from servicedesk.desk.sla.admin import (
    SlaSetupError,
    explain_request,
    load_setup_file,
    save_calendar,
)
from servicedesk.desk.sla.models import SlaBreach, SlaDueEvent
from servicedesk.desk.sla.sweep import recompute_due_times, sweep_due_events
from servicedesk.realtime.notifier import RecordingNotifier
from tests.factories import make_agent, make_team
from tests.integration.desk.conftest import ask

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TARGETS = {"first_response": 60, "next_response": 30, "resolution": 480}
SETUP = {
    "calendars": [
        {"name": "office", "timezone": "Europe/Paris", "hours": {"mon": "09:00-17:00"}},
    ],
    "policies": [
        {
            "name": "vip",
            "conditions": [{"fact": "customer.vip", "op": "is_true"}],
            "calendar": "office",
            "targets": dict.fromkeys(("low", "normal", "high", "urgent"), TARGETS),
        },
        {
            "name": "standard",
            "calendar": "24/7",
            "warn_before_minutes": 15,
            "targets": dict.fromkeys(("low", "normal", "high", "urgent"), TARGETS),
            "escalation": {"reassign_team": "Escalations"},
        },
    ],
}


class RecordingRep:
    def __init__(self) -> None:
        self.notes: list[tuple[int, str]] = []

    def notify_rep(self, request_id: int, text: str) -> None:
        self.notes.append((request_id, text))


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> Container:
    config = Config(instance_dir=tmp_path, database_url=str(engine.url), secret_key="k")
    built = Container.build(config, synchronous_jobs=True)
    built.notifier = RecordingNotifier()
    built.rep_notifier = RecordingRep()
    built.router = None
    with built.uow() as uow:
        load_setup_file(uow.session, SETUP)
        lead = make_agent(uow, "Lena")
        team = make_team(uow, "Escalations")
        team.lead_id = lead.id
        uow.commit()
    return built


def _request(desk: Container, request_id: int) -> ServiceRequest:
    with desk.uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        if request.team is not None:  # loaded before it leaves the session
            uow.session.expunge(request.team)
        uow.session.expunge(request)
        return request


def test_due_time_follows_the_request(desk: Container) -> None:
    before = utcnow()
    rid = ask(desk, "sla-1", "My order is late")
    request = _request(desk, rid)
    assert request.sla_policy == "standard" and request.sla_clock == "first_response"
    assert request.sla_due_at is not None
    due = request.sla_due_at.replace(tzinfo=before.tzinfo)
    assert before + timedelta(minutes=59) < due < utcnow() + timedelta(minutes=61)
    with desk.uow() as uow:
        change_status(uow, rid, Status.PENDING)
        uow.commit()
    assert _request(desk, rid).sla_due_at is None and _request(desk, rid).sla_state == "paused"
    with desk.uow() as uow:
        pending = uow.session.scalar(
            select(func.count()).select_from(SlaDueEvent).where(SlaDueEvent.request_id == rid)
        )
        assert pending == 0, "a paused clock has nothing due"
    reply = InboundMessage(
        channel="email",
        external_id="sla-2",
        subject=f"Re: [{request.reference}] My order",
        text="Here is the order number.",
        sender=Sender("email", "sla-1@customer.example"),
    )
    with desk.uow() as uow:
        assert receive_inbound(uow, reply).request_id == rid
        uow.commit()
    assert _request(desk, rid).status == Status.OPEN
    assert _request(desk, rid).sla_due_at is not None, "the customer's reply resumes the clock"


def test_breach_escalates_once_and_reply_stops_the_clock(desk: Container) -> None:
    rid = ask(desk, "sla-3", "Nothing works")
    later = utcnow() + timedelta(hours=2)
    fired = sweep_due_events(desk.uow, later)
    kinds = sorted((f.clock, f.kind) for f in fired)
    assert kinds == [("first_response", "breach"), ("first_response", "warning")]
    assert sweep_due_events(desk.uow, later) == []
    assert sweep_due_events(desk.uow, later + timedelta(minutes=5)) == []
    request = _request(desk, rid)
    assert request.priority == Priority.HIGH, "raised one step, once"
    assert request.team is not None and request.team.name == "Escalations"
    with desk.uow() as uow:
        breaches = list(uow.session.scalars(select(SlaBreach)))
        assert [(b.clock, b.policy) for b in breaches] == [("first_response", "standard")]
        assert "first response target of 1 h missed; unassigned" in breaches[0].cause
        report = explain_request(uow.session, uow.session.get(ServiceRequest, rid), later)  # type: ignore[arg-type]
    first = next(c for c in report["clocks"] if c["clock"] == "first_response")
    assert first["breached"] and first["state"] == "breached"
    rep = desk.rep_notifier
    assert isinstance(rep, RecordingRep)
    assert len(rep.notes) == 1 and "first response SLA breached" in rep.notes[0][1]
    lead_rooms = [room for event, _, room in desk.notifier.sent if event == "sla.alert"]  # type: ignore[attr-defined]
    assert lead_rooms, "the team lead is told"
    with desk.uow() as uow:
        agent = make_agent(uow, "Ana")
        post_reply(uow, rid, agent.id, "Looking into it")
        uow.commit()
    assert _request(desk, rid).sla_clock == "resolution"


def test_merged_request_keeps_the_earliest_promise(desk: Container) -> None:
    first = ask(desk, "sla-4", "First ask")
    early = _request(desk, first).sla_due_at
    second = ask(desk, "sla-5", "Second ask, other thread", subject="Another topic")
    with desk.uow() as uow:
        agent = make_agent(uow, "Max")
        merge_requests(uow, first, second, agent_id=agent.id, confirm_customers=True)
        uow.commit()
    assert _request(desk, second).sla_due_at == early
    assert _request(desk, first).sla_due_at is None


def test_bad_setup_names_the_field(desk: Container) -> None:
    with desk.uow() as uow, pytest.raises(SlaSetupError, match="calendar 'nowhere'"):
        load_setup_file(uow.session, {"policies": [{"name": "x", "calendar": "nowhere"}]})


def test_calendar_edit_moves_running_due_times(desk: Container) -> None:
    with desk.uow() as uow:
        load_setup_file(
            uow.session,
            {
                "calendars": [{"name": "around", "timezone": "UTC", "always_open": True}],
                "policies": [
                    {
                        "name": "first",
                        "calendar": "around",
                        "position": 0,  # before the fixture's policies
                        "targets": {"normal": TARGETS},
                    },
                ],
            },
        )
        uow.commit()
    rid = ask(desk, "sla-6", "Calendar test")
    before = _request(desk, rid)
    assert before.sla_policy == "first" and before.sla_due_at is not None
    with desk.uow() as uow:
        save_calendar(uow.session, {"name": "around", "timezone": "UTC", "hours": {}})
        assert recompute_due_times(uow, "around") == 0, "never open: no due time to move to"
        # Hours closed right now, whatever the time of the run: the clocks must move. (Open
        # 00:00-12:00 left them where they were when the suite ran in the small hours.)
        hours = "13:00-23:00" if utcnow().hour < 12 else "01:00-11:00"
        save_calendar(
            uow.session, {"name": "around", "timezone": "UTC", "hours": dict.fromkeys(WEEK, hours)}
        )
        moved = recompute_due_times(uow, "around")
        uow.commit()
    after = _request(desk, rid)
    assert moved == 2  # first response and resolution
    assert after.sla_due_at is not None and after.sla_due_at != before.sla_due_at
    with desk.uow() as uow:
        breach = uow.session.scalars(
            select(SlaDueEvent).where(
                SlaDueEvent.request_id == rid,
                SlaDueEvent.clock == after.sla_clock,
                SlaDueEvent.kind == "breach",
            )
        ).one()
        assert breach.due_at == after.sla_due_at
