"""Requests wait in the queue while nobody has room, and are assigned the moment someone does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from servicedesk import runtime
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.models import Presence, Priority, RequestEvent, ServiceRequest, Status, Team
from servicedesk.desk.operations import change_status, receive_inbound, set_presence
from servicedesk.sockets.notifier import RecordingNotifier


@pytest.fixture
def container(engine: Engine, tmp_path: Path) -> Container:
    built = Container.build(
        Config(instance_dir=tmp_path, database_url=str(engine.url), secret_key="k"),
        synchronous_jobs=True,
    )
    built.notifier = RecordingNotifier()
    runtime.install(built)
    return built


def ask(container: Container, n: int, text: str) -> int:
    with container.uow() as uow:
        result = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id=f"m{n}",
                text=text,
                subject=f"q{n}",
                sender=Sender("email", f"c{n}@customer.example"),
            ),
            router=container.router,
        )
        uow.commit()
    return result.request_id


def test_queue_drains_most_urgent_first_when_capacity_frees(container: Container) -> None:
    with container.uow() as uow:
        ana = create_agent(uow.session, "ana@desk.example", "password-1", name="Ana", capacity=1)
        uow.session.add(Team(name="Triage", members=[ana], assignment_policy="least_loaded"))
        uow.commit()
        ana_id = ana.id
    first = ask(container, 1, "How do I change my address?")
    second = ask(container, 2, "Total outage, nothing loads")
    with container.uow() as uow:
        waiting = [uow.session.get(ServiceRequest, i) for i in (first, second)]
        assert [r.assignee_id for r in waiting if r] == [None, None]  # Ana is offline
        set_presence(uow, ana_id, Presence.ONLINE)
        uow.commit()
    with container.uow() as uow:
        urgent = uow.session.get(ServiceRequest, second)
        normal = uow.session.get(ServiceRequest, first)
        assert urgent is not None and normal is not None
        assert urgent.priority == Priority.URGENT
        assert (urgent.assignee_id, normal.assignee_id) == (ana_id, None)  # capacity 1
        change_status(uow, second, Status.SOLVED, agent_id=ana_id)
        uow.commit()
    with container.uow() as uow:
        normal = uow.session.get(ServiceRequest, first)
        assert normal is not None and normal.assignee_id == ana_id
        trail = [e.kind for e in normal.events]
        assert trail[-1] == "assigned"
        assert isinstance(normal.events[-1], RequestEvent)
        assert normal.events[-1].actor == "router"
    assigned_notices = [s for s in container.notifier.sent if s[0] == "request.assigned"]  # type: ignore[attr-defined]
    assert {room for _, _, room in assigned_notices} == {f"agent:{ana_id}"}
