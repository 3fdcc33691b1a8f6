"""The forecast and the funnel over N generated opportunities (default 100 000): p50/p95.

python -m bench.sales_forecast [--n 100000] [--repeat 15] [--backends sqlite,postgresql]
    [--postgres-url URL] [--json-out FILE]

Deals spread over 40 reps, six stages and twelve months, each with one to four stage
moves in its history, about a third closed. Each operation runs on a fresh schema per
backend (SQLite file; a throwaway PostgreSQL database) as the console runs it: forecast =
`load_deals` + `forecast` (by month, and a what-if with slippage), funnel = `funnel`. Wall
and CPU time per call are reported: on a shared machine CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine

import servicedesk.schema  # noqa: F401  (every table)
from crm_core.access import Viewer
from crm_core.db import Base, make_engine, make_session_factory
from crm_core.sales.forecast import GroupBy, WhatIf, forecast, load_deals
from crm_core.sales.models import (
    ForecastCategory,
    Opportunity,
    OpportunityStageChange,
    Pipeline,
    PipelineStage,
    StageOutcome,
)
from crm_core.sales.reports import funnel

RESULTS = Path(__file__).resolve().parent / "results"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STAGES = [("prospecting", 0.1, "open"), ("demo", 0.25, "open"), ("proposal", 0.5, "open"),
          ("negotiation", 0.75, "open"), ("won", 1.0, "won"), ("lost", 0.0, "lost")]  # fmt: skip
START = datetime(2026, 1, 1, tzinfo=UTC)


def seed(engine: Engine, n: int, rnd: random.Random) -> None:
    """One pipeline, N deals and their stage history, inserted in batches."""
    with engine.begin() as conn:
        conn.execute(insert(Pipeline), [{"id": 1, "name": "Sales", "is_default": True}])
        conn.execute(
            insert(PipelineStage),
            [{"id": i + 1, "pipeline_id": 1, "name": name, "position": i, "probability": p,
              "outcome": StageOutcome(outcome)} for i, (name, p, outcome) in enumerate(STAGES)],
        )  # fmt: skip
    for batch_start in range(0, n, 10_000):
        deals, moves = [], []
        for i in range(batch_start + 1, min(n, batch_start + 10_000) + 1):
            deal, history = _deal(i, rnd)
            deals.append(deal)
            moves.extend(history)
        with engine.begin() as conn:
            conn.execute(insert(Opportunity), deals)
            conn.execute(insert(OpportunityStageChange), moves)


def _deal(i: int, rnd: random.Random) -> tuple[dict[str, object], list[dict[str, object]]]:
    furthest = rnd.choice([0, 0, 1, 1, 2, 2, 3, 4, 5])  # index into STAGES
    path = sorted(rnd.sample(range(furthest + 1), rnd.randint(1, furthest + 1)))
    if furthest == 5:  # lost from an open stage
        path = [*sorted(rnd.sample(range(4), rnd.randint(1, 3))), 5]
    if path[0] != 0:
        path.insert(0, 0)
    created = START + timedelta(days=rnd.randrange(300))
    outcome = StageOutcome(STAGES[path[-1]][2])
    deal = {
        "id": i, "name": f"Deal {i}", "pipeline_id": 1, "stage_id": path[-1] + 1,
        "amount": Decimal(rnd.randrange(500, 50_000)), "currency": "EUR",
        "expected_close": date(2026, 1, 1) + timedelta(days=rnd.randrange(365)),
        "owner_id": rnd.randrange(1, 41), "next_step": "",
        "forecast_category": rnd.choice(list(ForecastCategory)[:3]),
        "outcome": outcome, "stage_entered_at": created, "created_at": created,
        "updated_at": created,
        "closed_at": None if outcome is StageOutcome.OPEN else created + timedelta(days=30),
    }  # fmt: skip
    history = [
        {"opportunity_id": i, "from_stage_id": (path[k - 1] + 1) if k else None,
         "to_stage_id": stage + 1, "at": created + timedelta(days=7 * k)}
        for k, stage in enumerate(path)
    ]  # fmt: skip
    return deal, history


def timed(call: Callable[[], object], repeat: int) -> dict[str, float]:
    walls, cpus = [], []
    call()  # warm caches and the connection pool
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    walls.sort()
    p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
    return {"p50_ms": round(statistics.median(walls) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
            "cpu_ms_mean": round(statistics.mean(cpus) * 1000, 1)}  # fmt: skip


def run_backend(url: str, n: int, repeat: int) -> dict[str, object]:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    started = time.perf_counter()
    seed(engine, n, random.Random(14))
    seeded = time.perf_counter() - started
    sessions = make_session_factory(engine)
    viewer = Viewer.system()
    rep = Viewer(1, frozenset({"sales"}), frozenset(range(1, 6)))  # a rep with 4 teammates
    scenario = WhatIf({"proposal": 0.6}, 1.1, 30)

    def run(fn: Callable[..., object]) -> Callable[[], object]:
        def call() -> object:
            with sessions() as session:
                return fn(session)

        return call

    pipeline_of = lambda s: s.get(Pipeline, 1)  # noqa: E731
    ops = {
        "forecast by month": run(lambda s: forecast(load_deals(s, viewer), GroupBy.MONTH)),
        "forecast what-if": run(
            lambda s: forecast(
                load_deals(s, viewer, by=GroupBy.REP, slip_days=30), GroupBy.REP, scenario
            )
        ),
        "forecast (rep scope)": run(lambda s: forecast(load_deals(s, rep), GroupBy.MONTH)),
        "funnel": run(lambda s: funnel(s, viewer, pipeline_of(s))),
        "funnel (rep scope)": run(lambda s: funnel(s, rep, pipeline_of(s))),
    }
    result: dict[str, object] = {"database": engine.dialect.name, "seed_s": round(seeded, 1)}
    result["operations"] = {name: timed(call, repeat) for name, call in ops.items()}
    Base.metadata.drop_all(engine)
    engine.dispose()
    return result


def throwaway_postgres(admin_url: str) -> tuple[str, Callable[[], None]]:
    name = f"sd_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=POSTGRES)
    parser.add_argument("--json-out", type=Path, default=RESULTS / "sales_forecast.json")
    args = parser.parse_args()
    results = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            path = Path(tempfile.mkdtemp(prefix="sales-bench-")) / "bench.db"
            results.append(run_backend(f"sqlite:///{path}", args.n, args.repeat))
        else:
            url, drop = throwaway_postgres(args.postgres_url)
            try:
                results.append(run_backend(url, args.n, args.repeat))
            finally:
                drop()
    print(f"{args.n} opportunities, {args.repeat} runs each")
    print(f"{'database':10} {'operation':22} {'p50 ms':>9} {'p95 ms':>9} {'cpu ms':>9}")
    for result in results:
        for name, figures in result["operations"].items():  # type: ignore[attr-defined]
            print(f"{result['database']:10} {name:22} {figures['p50_ms']:9} {figures['p95_ms']:9} "
                  f"{figures['cpu_ms_mean']:9}")  # fmt: skip
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(
        json.dumps({"n": args.n, "repeat": args.repeat, "results": results}, indent=2)
    )


if __name__ == "__main__":
    main()
