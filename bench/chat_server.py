"""One web process for `bench.chat_latency`: the real app, served as `servicedesk serve` does.

python -m bench.chat_server WORKDIR PORT BASE_URL ORIGINS [REDIS_URL]

`CHAT_BENCH_SERVER=threading` serves on werkzeug's threads instead of gevent, to compare.
SIGUSR2 writes what the suggestion lane did so far to WORKDIR/stats-PORT.json (and, with
`CHAT_BENCH_STALLS=1`, the event loop's long greenlet runs since the last SIGUSR2 to
WORKDIR/stalls-PORT.json, `bench.loop_stalls`); SIGUSR1 dumps every thread's stack to stderr.
"""

from __future__ import annotations

import os

if __name__ == "__main__" and os.environ.get("CHAT_BENCH_SERVER", "gevent") == "gevent":
    from servicedesk.serving import patch_standard_library

    patch_standard_library()  # before the imports below, as `servicedesk serve` does

import faulthandler
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from servicedesk.config import Config

AGENT_PASSWORD = "bench-password"


def database_url(workdir: Path) -> str:
    """PostgreSQL when the bench wrote its URL to WORKDIR/database_url, else SQLite."""
    chosen = workdir / "database_url"
    return chosen.read_text().strip() if chosen.exists() else f"sqlite:///{workdir / 'bench.db'}"


def build_config(workdir: Path, base_url: str, origins: str, redis_url: str | None) -> Config:
    return Config(
        instance_dir=workdir / "instance",
        database_url=database_url(workdir),
        secret_key="bench-secret",
        redis_url=redis_url or None,
        base_url=base_url,
        widget_origins=tuple(o for o in origins.split(",") if o),
        testing=True,  # no rate limits: the bench signs in 20 agents at once
    )


def seed(
    config: Config,
    agents: int = 50,
    articles: str = "demo",
    data_dir: Path | None = None,
    *,
    sla: bool = True,
) -> dict[str, Any]:
    """Schema, agents `agent{i}@bench.example`, the demo's help articles, trained router
    and SLA setup (its calendars and policies; chat has a 24/7 policy, so every chat
    message keeps its request's clocks, as on `servicedesk demo`).

    `articles`: "demo" (the demo's), "10k" (the demo's plus 10,000 synthetic articles from
    StackFAQ sentences under `data_dir`, as `bench.kb_latency` builds them) or "none".
    `sla=False` leaves the SLA setup out, to compare.
    """
    import servicedesk.schema  # noqa: F401
    from servicedesk import migrate
    from servicedesk.container import Container
    from servicedesk.demo import DEMO_SLA, load_articles, train_router
    from servicedesk.desk.accounts import create_agent
    from servicedesk.desk.sla.admin import load_setup_file

    container = Container.build(config)
    # Migrated, not create_all: `servicedesk worker` (with --redis) checks the revision.
    migrate.ensure_current(container.engine)
    with container.uow() as uow:
        for i in range(agents):
            create_agent(uow.session, f"agent{i}@bench.example", AGENT_PASSWORD, name=f"Agent {i}")
        if sla:
            load_setup_file(uow.session, DEMO_SLA)  # as `servicedesk demo` (load_demo) does
        uow.commit()
    facts: dict[str, Any] = {"articles": 0, "router": None, "sla": sla}
    if articles == "10k":  # first: building the synthetic keyword index starts it afresh
        facts["articles"] = _synthetic_articles(container, data_dir or Path("../shared/data"))
    if articles != "none":
        facts["articles"] += load_articles(container.uow, container.knowledge)
    assert container.router is not None and container.router.classifier is not None
    trained = train_router(container.router.classifier)
    facts["router"] = trained.version if trained else None
    container.engine.dispose()
    return facts


def _synthetic_articles(container: Any, data_dir: Path, count: int = 10_000) -> int:
    from bench.kb_latency import populate, synthetic_articles

    populate(data_dir, container.knowledge, container.sessions, synthetic_articles(data_dir, count))
    return count


def _write_stats(path: Path, container: Any, stalls: Any = None) -> None:
    """What the suggestion lane did in this process (read by the bench)."""
    import json

    if stalls is not None:
        stalls_path = path.with_name(path.name.replace("stats-", "stalls-"))
        stalls_path.write_text(json.dumps(stalls.summary()))

    from servicedesk import lanes, suggestion_process

    lane = getattr(container.tasks, "lane", None)
    stats = vars(lane.stats) if lane is not None else {}
    path.write_text(
        json.dumps(
            {
                **stats,
                "off_loop_cpu_seconds": lanes.OFF_LOOP_CPU.seconds,
                "child_cpu_seconds": suggestion_process.CHILD_CPU.seconds,
            }
        )
    )


def main() -> None:
    workdir, port, base_url, origins = sys.argv[1:5]
    redis_url = sys.argv[5] if len(sys.argv) > 5 else ""
    from servicedesk.app import create_app
    from servicedesk.serving import serve

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # stacks of a stalled server
    from servicedesk.container import Container

    container = Container.build(build_config(Path(workdir), base_url, origins, redis_url))
    container.warm_up()  # as `servicedesk serve` does
    app = create_app(container=container)

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # from any greenlet, at once
    stats = Path(workdir) / f"stats-{port}.json"
    stalls = None
    if os.environ.get("CHAT_BENCH_STALLS") == "1":
        from bench.loop_stalls import LoopStalls

        stalls = LoopStalls()
        stalls.install()
    signal.signal(signal.SIGUSR2, lambda *_: _write_stats(stats, container, stalls))
    serve(app, "127.0.0.1", int(port))


if __name__ == "__main__":
    main()
