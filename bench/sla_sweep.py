"""The SLA due-event sweep over many open requests, and recomputing after a calendar edit.

    python -m bench.sla_sweep [--requests 100000] [--due 500] [--database-url URL]

Seeds N open requests, each with a running first-response clock on a business-hours
calendar and its warning and breach events (bulk inserts), then measures:
- an idle sweep (nothing due): the indexed look-up every periodic run pays;
- a sweep firing `--due` breaches (each its own transaction: recompute, claim, escalate);
- recomputing every running clock's due time after the calendar's hours change.
Prints a table and writes bench/results/sla_sweep.json (wall and CPU seconds).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

import servicedesk.schema  # noqa: F401  (every table on Base.metadata)
from crm_core.customers import Customer
from crm_core.db import Base, UnitOfWork, make_engine, make_session_factory
from servicedesk.desk.models import Direction, Message, ServiceRequest
from servicedesk.desk.sla.admin import load_setup_file, save_calendar
from servicedesk.desk.sla.models import SlaClock, SlaDueEvent
from servicedesk.desk.sla.sweep import recompute_due_times, sweep_due_events

RESULTS = Path(__file__).resolve().parent / "results"
HOURS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-17:00")
SETUP = {
    "calendars": [{"name": "office", "timezone": "Europe/Berlin", "hours": HOURS}],
    "policies": [
        {
            "name": "standard",
            "calendar": "office",
            "targets": {"normal": {"first_response": 240}, "high": {"first_response": 240}},
            "escalation": {"notify_rep": False},
        }
    ],
}


def _timed(work: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def seed(uow_factory: Any, count: int, due: int, now: datetime) -> None:
    """`count` open requests; the first `due` opened long enough ago to be in breach."""
    with uow_factory() as uow:
        load_setup_file(uow.session, SETUP)
        customer = Customer(name="Bench", email="bench@customer.example")
        uow.session.add(customer)
        uow.session.flush()
        customer_id = uow.session.get(Customer, customer.id).id  # type: ignore[union-attr]
        uow.commit()
    for start in range(0, count, 5000):
        ids = range(start + 1, min(start + 5000, count) + 1)
        rows, messages, clocks, events = [], [], [], []
        for i in ids:
            opened = now - (timedelta(days=3) if i <= due else timedelta(minutes=5))
            rows.append(
                {
                    "id": i,
                    "subject": f"r{i}",
                    "customer_id": customer_id,
                    "channel": "email",
                    "status": "open",
                    "priority": "normal",
                    "tags": [],
                    "created_at": opened,
                    "updated_at": opened,
                    "sla_policy": "standard",
                    "sla_state": "running",
                    "sla_clock": "first_response",
                }
            )
            messages.append(
                {
                    "request_id": i,
                    "direction": Direction.INBOUND.value,
                    "channel": "email",
                    "text": "x",
                    "references": [],
                    "created_at": opened,
                }
            )
            due_at = opened + timedelta(hours=4)
            clocks.append(
                {
                    "request_id": i,
                    "clock": "first_response",
                    "cycle": 0,
                    "calendar": "office",
                    "started_at": opened,
                    "target_seconds": 14400,
                    "consumed_before": 0.0,
                    "consumed_seconds": 0.0,
                    "paused_seconds": 0.0,
                    "running_since": opened,
                    "due_at": due_at,
                    "state": "running",
                }
            )
            for kind, at in (("warning", due_at - timedelta(minutes=30)), ("breach", due_at)):
                events.append(
                    {
                        "key": f"{i}:first_response:0:{kind}",
                        "request_id": i,
                        "clock": "first_response",
                        "cycle": 0,
                        "kind": kind,
                        "due_at": at,
                        "created_at": now,
                    }
                )
        with uow_factory() as uow:
            session = uow.session
            session.execute(insert(ServiceRequest), rows)
            session.execute(insert(Message), messages)
            session.execute(insert(SlaClock), clocks)
            session.execute(insert(SlaDueEvent), events)
            uow.commit()


def run(count: int, due: int, database_url: str) -> dict[str, Any]:
    engine = make_engine(database_url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    sessions = make_session_factory(engine)

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(sessions)

    now = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday noon: the office is open
    _, seed_s, _ = _timed(lambda: seed(uow_factory, count, due, now))
    idle, idle_wall, idle_cpu = _timed(
        lambda: sweep_due_events(uow_factory, now - timedelta(days=5))
    )
    fired, fire_wall, fire_cpu = _timed(lambda: sweep_due_events(uow_factory, now, limit=2 * due))

    def recompute() -> int:
        with uow_factory() as uow:
            save_calendar(
                uow.session,
                {**SETUP["calendars"][0], "hours": {**HOURS, "wed": "08:00-12:00, 13:00-17:00"}},
            )
            moved = recompute_due_times(uow, "office")
            uow.commit()
        return moved

    moved, re_wall, re_cpu = _timed(recompute)
    engine.dispose()
    return {
        "database": engine.dialect.name,
        "open_requests": count,
        "seed_s": round(seed_s, 1),
        "idle_sweep_ms": round(idle_wall * 1000, 2),
        "idle_sweep_cpu_ms": round(idle_cpu * 1000, 2),
        "idle_fired": len(idle),
        "due_events_fired": len(fired),
        "fire_per_event_ms": round(fire_wall * 1000 / max(len(fired), 1), 2),
        "fire_cpu_per_event_ms": round(fire_cpu * 1000 / max(len(fired), 1), 2),
        "recomputed_clocks": moved,
        "recompute_s": round(re_wall, 2),
        "recompute_cpu_s": round(re_cpu, 2),
        "recompute_requests_per_s": round(moved / re_wall) if re_wall else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        result = run(args.requests, args.due, url)
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    RESULTS.mkdir(exist_ok=True)
    name = f"sla_sweep_{result['database']}_{args.requests}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
