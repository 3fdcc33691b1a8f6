"""A worker killed mid-escalation on real rq and PostgreSQL: the escalation happens once.

The test holds a lock on `sla_breaches`, so the worker blocks after claiming the due event
and before it commits; it is killed there (SIGKILL), its transaction dies with it, and
the next sweep on a new worker escalates exactly once. Two more sweeps change nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from crm_core.db import Base, make_engine, utcnow
from servicedesk import runtime
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.models import Priority, RequestEvent, ServiceRequest
from servicedesk.desk.operations import receive_inbound
from servicedesk.desk.sla.admin import load_setup_file
from servicedesk.desk.sla.models import SlaBreach, SlaDueEvent
from servicedesk.desk.sla.service import refresh_request_sla
from servicedesk.queues import RqQueue
from servicedesk.worker import run_worker

ROOT = Path(__file__).resolve().parents[3]
POLICY = {
    "name": "standard",
    "targets": {"normal": {"first_response": 60}, "high": {"first_response": 60}},
    "escalation": {"notify_rep": False},
}


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


def _overdue_request(container: Container) -> int:
    """A request whose first response was due an hour ago."""
    with container.uow() as uow:
        load_setup_file(uow.session, {"policies": [POLICY]})
        opened = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id="late@customer.example",
                sender=Sender("email", "late@customer.example"),
                subject="Waiting",
                text="Hello?",
            ),
        )
        uow.commit()
    past = utcnow() - timedelta(hours=2)
    with container.uow() as uow:
        session = uow.session
        session.execute(text("UPDATE service_requests SET created_at = :t"), {"t": past})
        session.execute(text("UPDATE messages SET created_at = :t"), {"t": past})
        request = session.get(ServiceRequest, opened.request_id)
        assert request is not None
        refresh_request_sla(session, request, utcnow())
        uow.commit()
    return opened.request_id


def _worker(database_url: str, redis_url: str, prefix: str, tmp: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SERVICEDESK_DATABASE_URL": database_url,
        "SERVICEDESK_INSTANCE_DIR": str(tmp),
        "SERVICEDESK_SECRET_KEY": "k",
    }
    env.pop("SERVICEDESK_REDIS_URL", None)
    code = (
        "from servicedesk.worker import run_worker; "
        f"run_worker({redis_url!r}, burst=True, prefix={prefix!r})"
    )
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)


def _blocked_on_breaches(engine: Engine, timeout: float = 30.0) -> list[int]:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pids = list(
                conn.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query ILIKE '%sla_breaches%' AND datname = current_database()"
                    )
                )
            )
            if pids:
                return pids
            conn.rollback()  # pg_stat_activity is a snapshot per transaction
            time.sleep(0.1)
        seen = conn.execute(
            text(
                "SELECT wait_event_type, state, query FROM pg_stat_activity "
                "WHERE datname = current_database()"
            )
        ).all()
    raise AssertionError(f"the worker never reached the escalation: {seen}")


def _counts(container: Container, request_id: int) -> tuple[int, int, Priority]:
    with container.uow() as uow:
        breaches = uow.session.scalar(select(func.count()).select_from(SlaBreach))
        audited = uow.session.scalar(
            select(func.count())
            .select_from(RequestEvent)
            .where(RequestEvent.kind == "sla_breached", RequestEvent.request_id == request_id)
        )
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None and breaches is not None and audited is not None
        return breaches, audited, request.priority


def test_killed_worker_escalates_exactly_once(
    pg_engine: Engine, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    config = Config(instance_dir=tmp_path, database_url=postgres_url, secret_key="k")
    container = Container.build(config, synchronous_jobs=True)
    container.router = None
    request_id = _overdue_request(container)
    prefix = f"sla{uuid.uuid4().hex[:8]}-"
    queue = RqQueue(redis_url, prefix=prefix)

    holder = pg_engine.connect()
    transaction = holder.begin()
    holder.execute(text("LOCK TABLE sla_breaches IN SHARE MODE"))
    queue.enqueue("default", "sweep_sla")
    first = _worker(postgres_url, redis_url, prefix, tmp_path)
    try:
        stuck = _blocked_on_breaches(pg_engine)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        with pg_engine.connect() as admin:  # the dead client's session, as the server ends it
            for pid in stuck:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        transaction.rollback()
        holder.close()
        if first.poll() is None:
            first.kill()
    assert _counts(container, request_id) == (0, 0, Priority.NORMAL)
    with container.uow() as uow:
        fired = dict(uow.session.execute(select(SlaDueEvent.kind, SlaDueEvent.fired_at)).all())
        assert fired["warning"] is not None, "the warning before it was committed on its own"
        assert fired["breach"] is None, "the killed worker's claim was rolled back"

    runtime.install(container)  # a new worker, in this process this time
    for _ in range(2):  # the periodic sweep comes round again, twice
        queue.enqueue("default", "sweep_sla")
        run_worker(redis_url, burst=True, prefix=prefix)
    assert _counts(container, request_id) == (1, 1, Priority.HIGH)
