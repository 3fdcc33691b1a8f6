"""One web process for `bench.chat_latency`: the real app, served as `servicedesk serve` does.

python -m bench.chat_server WORKDIR PORT BASE_URL ORIGINS [REDIS_URL]

`CHAT_BENCH_SERVER=threading` serves on werkzeug's threads instead of gevent, to compare.
"""

from __future__ import annotations

import os

if __name__ == "__main__" and os.environ.get("CHAT_BENCH_SERVER", "gevent") == "gevent":
    from servicedesk.serving import patch_standard_library

    patch_standard_library()  # before the imports below, as `servicedesk serve` does

import logging
import signal
import sys
from pathlib import Path

from crm_core.db import Base
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


def seed(config: Config, agents: int = 50) -> None:
    """Schema and agents `agent{i}@bench.example`."""
    import servicedesk.schema  # noqa: F401
    from servicedesk.container import Container
    from servicedesk.desk.accounts import create_agent

    container = Container.build(config)
    Base.metadata.create_all(container.engine)
    with container.uow() as uow:
        for i in range(agents):
            create_agent(uow.session, f"agent{i}@bench.example", AGENT_PASSWORD, name=f"Agent {i}")
        uow.commit()
    container.engine.dispose()


def main() -> None:
    workdir, port, base_url, origins = sys.argv[1:5]
    redis_url = sys.argv[5] if len(sys.argv) > 5 else ""
    from servicedesk.app import create_app
    from servicedesk.serving import serve

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(build_config(Path(workdir), base_url, origins, redis_url))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(app, "127.0.0.1", int(port))


if __name__ == "__main__":
    main()
