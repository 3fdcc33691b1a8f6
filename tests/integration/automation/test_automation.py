"""Automation on SQLite and PostgreSQL: triggers, loop guard, timed rules, macros, webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_core.db import utcnow
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.automation.admin import AutomationSetupError, load_automation_file
from servicedesk.desk.automation.models import AutomationRun, WebhookCall
from servicedesk.desk.automation.timed import sweep_timed_rules
from servicedesk.desk.automation.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from servicedesk.desk.models import Direction, Priority, RequestEvent, ServiceRequest, Status
from servicedesk.desk.operations import change_status, update_request
from servicedesk.jobs import run_automations_for
from servicedesk.realtime.notifier import RecordingNotifier
from tests.factories import make_agent, make_team
from tests.fakes import RecordingQueue
from tests.integration.desk.conftest import ask

MACROS = [
    {
        "name": "Thanks",
        "shortcut": "thanks",
        "body": "Hello {{ customer.name }}, we got {{ request.reference }} and are on it.",
    }
]


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> Container:
    config = Config(instance_dir=tmp_path, database_url=str(engine.url), secret_key="k")
    built = Container.build(config, synchronous_jobs=True)
    built.notifier = RecordingNotifier()
    built.router = None
    return built


def _load(desk: Container, rules: list[dict[str, object]]) -> None:
    with desk.uow() as uow:
        make_team(uow, "Billing")
        load_automation_file(uow.session, {"macros": MACROS, "rules": rules})
        uow.commit()


def _request(desk: Container, rid: int) -> ServiceRequest:
    with desk.uow() as uow:
        request = uow.session.get(ServiceRequest, rid)
        assert request is not None
        _ = list(request.messages), list(request.events), request.tags
        uow.session.expunge_all()
        return request


def test_created_trigger_runs_actions_in_order_and_logs_itself(desk: Container) -> None:
    _load(
        desk,
        [
            {
                "name": "refunds to billing",
                "on": "created",
                "conditions": [{"fact": "subject", "op": "contains", "value": ["refund"]}],
                "actions": [
                    {"set_priority": "high"},
                    {"add_tag": "money"},
                    {"assign": {"team": "Billing"}},
                    {"reply": "thanks"},
                    {"note": "Auto-routed to billing."},
                ],
            }
        ],
    )
    rid = ask(desk, "auto-1", "Please refund me", subject="Refund please")
    request = _request(desk, rid)
    assert request.priority == Priority.HIGH and request.tags == ["money"]
    assert request.team_id is not None
    replies = [m for m in request.messages if m.direction == Direction.OUTBOUND]
    assert len(replies) == 1 and replies[0].text.startswith("Hello")
    assert request.reference in replies[0].text
    logged = [e for e in request.events if e.kind == "automation_ran"]
    assert [e.data["rule"] for e in logged] == ["refunds to billing"]
    assert logged[0].data["actions"] == ["set_priority", "add_tag", "assign", "reply", "note"]
    other = _request(desk, ask(desk, "auto-2", "Where is my parcel?", subject="Parcel"))
    assert other.tags == [] and other.priority == Priority.NORMAL


def test_a_trigger_does_not_refire_on_its_own_change_and_the_cap_stops_ping_pong(
    desk: Container,
) -> None:
    _load(
        desk,
        [
            {
                "name": "tag a",
                "on": "updated",
                "conditions": [{"fact": "tag.b", "op": "is_true"}],
                "actions": [{"remove_tag": "b"}, {"add_tag": "a"}],
            },
            {
                "name": "tag b",
                "on": "updated",
                "conditions": [{"fact": "tag.a", "op": "is_true"}],
                "actions": [{"remove_tag": "a"}, {"add_tag": "b"}],
            },
        ],
    )
    rid = ask(desk, "auto-3", "Hello")
    with desk.uow() as uow:
        agent = make_agent(uow, "Ana")
        update_request(uow, rid, agent.id, tags=["a"])
        uow.commit()
    request = _request(desk, rid)
    with desk.uow() as uow:
        outcomes = list(
            uow.session.scalars(
                select(AutomationRun.outcome).where(AutomationRun.request_id == rid)
            )
        )
    assert 0 < outcomes.count("ran") <= 20
    notes = [m.text for m in request.messages if m.direction == Direction.NOTE]
    assert any("Automation stopped: the rule 'tag" in n for n in notes), notes


def test_own_change_is_not_a_loop_when_nothing_would_change(desk: Container) -> None:
    _load(
        desk,
        [{"name": "vip high", "on": "updated", "actions": [{"set_priority": "high"}]}],
    )
    rid = ask(desk, "auto-4", "Hello")
    with desk.uow() as uow:
        change_status(uow, rid, Status.OPEN)
        uow.commit()
    request = _request(desk, rid)
    assert request.priority == Priority.HIGH
    assert not [m for m in request.messages if m.direction == Direction.NOTE]


def test_timed_rules_act_once_per_wait(desk: Container) -> None:
    _load(
        desk,
        [
            {
                "name": "close solved",
                "on": "timed",
                "wait": "solved",
                "minutes": 60 * 24 * 3,
                "actions": [{"set_status": "closed"}],
            },
            {
                "name": "escalate unassigned",
                "on": "timed",
                "wait": "unassigned",
                "minutes": 30,
                "actions": [
                    {"set_priority": "urgent"},
                    {"note": "Nobody took this in 30 minutes."},
                ],
            },
        ],
    )
    rid = ask(desk, "auto-5", "Hello")
    solved = ask(desk, "auto-6", "Thanks, all fine")
    with desk.uow() as uow:
        change_status(uow, solved, Status.SOLVED)
        uow.commit()
    assert sweep_timed_rules(desk.uow, utcnow()) == []
    later = utcnow() + timedelta(minutes=45)
    acted = sweep_timed_rules(desk.uow, later)
    assert ("escalate unassigned", rid) in acted
    assert sweep_timed_rules(desk.uow, later + timedelta(minutes=5)) == []
    assert _request(desk, rid).priority == Priority.URGENT
    days = sweep_timed_rules(desk.uow, utcnow() + timedelta(days=4))
    assert ("close solved", solved) in days
    assert _request(desk, solved).status == Status.CLOSED


class Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_signed_webhook_is_sent_once(desk: Container, hook_url: str) -> None:
    _load(
        desk,
        [
            {
                "name": "tell crm",
                "on": "created",
                "actions": [{"webhook": {"url": hook_url, "secret": "s3cret"}}],
            }
        ],
    )
    rid = ask(desk, "auto-7", "Hello")
    assert len(Hook.received) == 1
    headers, body = Hook.received[0]
    assert verify("s3cret", int(headers[TIMESTAMP_HEADER]), body, headers[SIGNATURE_HEADER])
    assert not verify("wrong", int(headers[TIMESTAMP_HEADER]), body, headers[SIGNATURE_HEADER])
    assert json.loads(body)["request"]["id"] == rid
    with desk.uow() as uow:
        call = uow.session.scalars(select(WebhookCall)).one()
        assert call.status == "sent" and call.response_code == 204
        call_id = call.id
    desk.tasks.enqueue("default", "call_webhook", call_id)  # a retried job
    assert len(Hook.received) == 1


def test_bad_rules_name_the_field(desk: Container) -> None:
    with desk.uow() as uow, pytest.raises(AutomationSetupError, match="unknown action 'explode'"):
        load_automation_file(
            uow.session, {"rules": [{"name": "x", "on": "created", "actions": [{"explode": 1}]}]}
        )
    with desk.uow() as uow, pytest.raises(AutomationSetupError, match="body"):
        load_automation_file(
            uow.session, {"macros": [{"name": "m", "shortcut": "m", "body": "{{ oops"}]}
        )
    with desk.uow() as uow, pytest.raises(AutomationSetupError, match="timed rule needs wait"):
        load_automation_file(
            uow.session, {"rules": [{"name": "t", "on": "timed", "actions": [{"note": "x"}]}]}
        )


def test_audit_marks_automation_changes(desk: Container) -> None:
    _load(desk, [{"name": "tagger", "on": "created", "actions": [{"add_tag": "auto"}]}])
    rid = ask(desk, "auto-8", "Hello")
    with desk.uow() as uow:
        entries = uow.session.scalars(
            select(RequestEvent).where(
                RequestEvent.request_id == rid, RequestEvent.kind == "tags_changed"
            )
        ).all()
        assert [(e.actor, e.data.get("rule")) for e in entries] == [("automation", "tagger")]


def test_a_commit_s_trigger_runs_go_only_to_requests_an_enabled_trigger_waits_for(
    desk: Container,
) -> None:
    _load(
        desk,
        [
            {"name": "on update", "on": "updated", "conditions": [], "actions": [{"add_tag": "u"}]},
            {"name": "off", "on": "created", "enabled": False, "conditions": [],
             "actions": [{"add_tag": "c"}]},
        ],
    )  # fmt: skip
    desk.tasks = RecordingQueue()
    run_automations_for(desk, [[1, "created"], [2, "updated"], [3, "created"]])
    assert desk.tasks.enqueued == [("default", "run_automations", (2, "updated"))]
