"""Cost of `receive_inbound` per message: new chat conversations, then appended messages.

python -m bench.intake_cost [--conversations 50] [--messages 600] [--json-out FILE]

Runs the real intake (routing, dispatch, in-process jobs) on a fresh SQLite file, one unit
of work per message as the chat and mail paths do, and prints milliseconds per message.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import servicedesk.schema  # noqa: F401  (every table)
from channels.messages import InboundMessage, Sender
from crm_core.db import Base
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.operations import receive_inbound


def chat_message(conversation: int, number: int) -> InboundMessage:
    return InboundMessage(
        channel="webchat",
        external_id=f"v{conversation}:{number}",
        thread_key=f"conv-{conversation}",
        sender=Sender("webchat", f"visitor-{conversation}"),
        text=f"message {number} in conversation {conversation}",
    )


def timed(container: Container, message: InboundMessage) -> float:
    start = time.perf_counter()
    with container.uow() as uow:
        receive_inbound(uow, message, router=container.router)
        uow.commit()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    config = Config(
        instance_dir=workdir, database_url=f"sqlite:///{workdir / 'bench.db'}", secret_key="bench"
    )
    container = Container.build(config, synchronous_jobs=True)
    Base.metadata.create_all(container.engine)
    opened = [timed(container, chat_message(c, 0)) for c in range(args.conversations)]
    appended = [
        timed(container, chat_message(n % args.conversations, n)) for n in range(1, args.messages)
    ]
    result = {
        "new_request_ms_p50": round(statistics.median(opened), 2),
        "appended_ms_p50": round(statistics.median(appended), 2),
        "appended_ms_p99": round(sorted(appended)[int(len(appended) * 0.99)], 2),
        "appended_per_s": round(1000 / statistics.mean(appended), 1),
    }
    for name, value in result.items():
        print(f"{name:24} {value}")
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
