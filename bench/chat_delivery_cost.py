"""CPU time and SQL statements per chat message on the delivery path, in one process.

python -m bench.chat_delivery_cost [--customers 100] [--messages 600] [--postgres URL]
                                   [--articles none|demo] [--no-sla] [--reply-every K]
                                   [--json]

What `bench.chat_latency` cannot show on a shared machine: its latencies move with the load
average, while the CPU a message costs hardly does. The real app and its `/chat` namespace
(limits, intake door, events, emits to an agent viewing every request) run through
Flask-SocketIO's test clients in this process; `--customers` conversations are opened first
(each routed by the trained router), then `--messages` messages continue them, and only
those are measured: process CPU while each is handled (every thread: the limiter's expiry
timer too) and thread CPU of the handler, and the statements sent to the database per
message. With `--articles demo` the suggestion lane runs beside (on its own thread): what
it spends while a message is handled is in the process figure, not in the handler's.
The demo's SLA policies are seeded (chat's runs 24/7, so each message keeps its request's
clocks, as on `servicedesk demo`); `--no-sla` leaves them out. Without an agent's reply a
customer's message only continues their wait; `--reply-every K` has the agent reply (not
measured) before every K-th turn, so the next message starts a new wait and the clocks
are recomputed (K=1: every message).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from flask_socketio import SocketIOTestClient
from sqlalchemy import event

from bench.chat_latency import question, report, throwaway_database
from bench.chat_server import AGENT_PASSWORD, build_config, seed


def _agent(app: Any, socketio: Any) -> SocketIOTestClient:
    http = app.test_client()
    page = http.get("/login").get_data(as_text=True)
    from tests.integration.sockets.live import CSRF

    token = CSRF.search(page)
    assert token, "no CSRF token on /login"
    data = {"email": "agent0@bench.example", "password": AGENT_PASSWORD}
    http.post("/login", data={**data, "csrf_token": token.group(1)})
    return socketio.test_client(app, namespace="/console", flask_test_client=http)


def _send(client: SocketIOTestClient, text: str) -> dict[str, Any]:
    data = {"client_id": f"m{random.getrandbits(60):x}", "text": text}
    ack = client.emit("message", data, namespace="/chat", callback=True)
    assert ack and ack.get("ok"), ack
    return ack  # type: ignore[no-any-return]


def measure(workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from servicedesk.app import create_app
    from servicedesk.container import Container

    config = build_config(workdir, "http://127.0.0.1:5000", "http://127.0.0.1:5000", None)
    facts = seed(config, articles=args.articles, sla=args.sla)
    container = Container.build(config)
    container.warm_up()
    app = create_app(container=container)
    socketio = app.extensions["socketio"]
    agent = _agent(app, socketio)
    rng = random.Random(7)
    customers = [socketio.test_client(app, namespace="/chat") for _ in range(args.customers)]
    opened = []
    for client in customers:
        request_id = _send(client, question(rng))["message"]["request_id"]
        agent.emit("view", {"request_id": request_id}, namespace="/console", callback=True)
        opened.append(request_id)
    statements: list[str] = []
    measured_statements: list[str] = []  # the customers' messages', not the agent's replies
    event.listen(container.engine, "before_cursor_execute", _recorder(statements))
    texts = [question(rng) for _ in range(args.messages)]
    per_message: list[float] = []
    process_ms, counted = 0.0, 0
    statements.clear()
    for number, text in enumerate(texts):
        client = customers[number % len(customers)]
        turn = number // len(customers)
        if args.reply_every and turn % args.reply_every == 0:
            _reply(agent, opened[number % len(customers)])  # not measured
            _settle(container)  # its delivery job too
        counted, cpu_start = len(statements), time.process_time()
        started = time.thread_time()
        _send(client, text)
        per_message.append((time.thread_time() - started) * 1000)
        agent.get_received("/console")  # what the agent was sent; dropped, as a browser would
        process_ms += (time.process_time() - cpu_start) * 1000
        measured_statements.extend(statements[counted:])
    lane = getattr(container.tasks, "lane", None)
    if lane is not None:
        lane.join()
    return {
        "database": container.engine.dialect.name,
        "articles": facts["articles"],
        "sla": facts["sla"],
        "messages": args.messages,
        "handler_cpu_ms_per_message_mean": round(statistics.fmean(per_message), 3),
        "handler_cpu_ms_per_message_median": round(statistics.median(per_message), 3),
        "process_cpu_ms_per_message": round(process_ms / args.messages, 3),
        "reply_every": args.reply_every,
        "statements_per_message": round(len(measured_statements) / args.messages, 2),
        "statements_of_the_last_message": statements[counted:],
    }


def _reply(agent: SocketIOTestClient, request_id: int) -> None:
    data = {"request_id": request_id, "text": "Thanks, looking into it."}
    ack = agent.emit("reply", data, namespace="/console", callback=True)
    assert ack and not ack.get("error"), ack
    agent.get_received("/console")


def _settle(container: Any) -> None:
    """The in-process queue's jobs done (the reply's delivery), not the suggestion lane's
    (which waits for a quiet spell)."""
    queue = getattr(container.tasks, "inner", container.tasks)
    join = getattr(queue, "join", None)
    if join is not None:
        join()


def _recorder(statements: list[str]) -> Any:
    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split())[:160])

    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--articles", choices=["none", "demo"], default="none")
    parser.add_argument(
        "--reply-every",
        type=int,
        default=0,
        help="the agent replies before every K-th turn of each conversation (not measured), "
        "so the customer's next message starts a new wait: the SLA's recompute path",
    )
    parser.add_argument(
        "--no-sla",
        dest="sla",
        action="store_false",
        help="leave out the demo's SLA policies (chat then keeps no clocks), to compare",
    )
    parser.add_argument("--postgres", help="admin URL; a throwaway database is made and dropped")
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(args.postgres) as url:
        if url:
            (Path(tmp) / "database_url").write_text(url)
        result = measure(Path(tmp), args)
    sla = ("" if args.sla else "_nosla") + (f"_reply{args.reply_every}" if args.reply_every else "")
    name = f"chat_delivery_cost_{result['database']}_{args.articles}{sla}.json"
    report(result, name, as_json=args.json, width=36)


if __name__ == "__main__":
    main()
