"""Chat delivery latency: N widget customers and 20 agents against real server processes.

    python -m bench.chat_latency --customers 500 [--agents 20] [--rate 0.2] [--seconds 20]
                                 [--articles demo|10k|none] [--data ../shared/data] [--no-sla]
                                 [--processes 2 --redis redis://127.0.0.1:6379/14]
                                 [--postgres URL] [--server gevent|threading] [--trace FILE]
                                 [--stalls] [--json]

The servers run in child processes exactly as `servicedesk serve` runs (gevent, SQLite WAL
unless `--postgres`); customers and agents are python-socketio AsyncClients over websocket
in this process, so send and receive times come from one clock. Each agent views the
requests of its share of customers; latency is customer `message` emit → agent
`message.created`. With `--processes 2 --redis URL`, clients are spread over two web
processes and events cross between them through the Redis message queue; with `--redis`
one `servicedesk worker` runs the suggestion jobs, as in a deployment (give the bench a
Redis database of its own: jobs left from an earlier run would be worked too). The result also
gives the servers' CPU time per message, which explains most of the latency.

The desk is the demo's, as a newcomer sees it: its help articles (or 10,000 more with
`--articles 10k`), its router trained and its SLA policies (chat's runs 24/7, so every
message keeps its request's clocks; `--no-sla` leaves them out), so every customer message
asks for knowledge suggestions. Customers write varied demo-like questions. Agents also time
`suggestions.ready`: the result says how long after a customer's last message the
suggestions for it arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import json
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import socketio

from bench.chat_server import build_config, seed
from tests.fixtures.servers import free_port, wait_until_serving

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Run:
    """Send times by message id and the delivery latencies seen by agents."""

    sent_at: dict[int, float] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    early: dict[int, float] = field(default_factory=dict)  # arrived before the ack
    errors: int = 0
    trace: list[tuple[float, float]] = field(default_factory=list)  # (sent at, latency ms)
    last_sent: dict[int, float] = field(default_factory=dict)  # request id -> last send
    suggested: dict[int, list[float]] = field(default_factory=dict)  # request id -> ready at


@contextmanager
def throwaway_database(admin_url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database for one run (dropped afterwards), or None for SQLite."""
    if not admin_url:
        yield None
        return
    from sqlalchemy import create_engine, text

    name = f"chat_bench_{random.getrandbits(32):x}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


QUESTIONS = [
    row["text"]
    for row in csv.DictReader(
        (Path(__file__).resolve().parents[1] / "servicedesk/demo_data/router_examples.csv").open()
    )
]


def question(rng: random.Random) -> str:
    """A demo-like support question, made unique so no cache answers it."""
    return f"{rng.choice(QUESTIONS)} (ref {rng.randrange(10**6)})"


def start_servers(
    workdir: Path, count: int, redis_url: str | None, args: argparse.Namespace
) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    ports = [free_port() for _ in range(count)]
    base = f"http://127.0.0.1:{ports[0]}"
    origins = ",".join(f"http://127.0.0.1:{p}" for p in ports)
    config = build_config(workdir, base, origins, redis_url)
    facts = seed(config, articles=args.articles, data_dir=args.data, sla=args.sla)
    server = args.server
    servers = []
    for port in ports:
        command = [sys.executable, "-m", "bench.chat_server", str(workdir), str(port), base]
        command += [origins, redis_url or ""]
        env = {**os.environ, "CHAT_BENCH_SERVER": server}
        if args.stalls:
            env["CHAT_BENCH_STALLS"] = "1"
        process = subprocess.Popen(command, env=env)
        servers.append((f"http://127.0.0.1:{port}", process))
    for url, _process in servers:
        wait_until_serving(url, timeout=300)  # a loaded machine loads models slowly
    return servers, facts


def start_worker(workdir: Path, redis_url: str, base: str) -> Any:
    """One `servicedesk worker` (rq) beside the web processes: with Redis the suggestion
    jobs go to it, as in a deployment. Its database and instance are the servers'."""
    from bench.chat_server import database_url

    env = {
        **os.environ,
        "SERVICEDESK_INSTANCE_DIR": str(workdir / "instance"),
        "SERVICEDESK_DATABASE_URL": database_url(workdir),
        "SERVICEDESK_REDIS_URL": redis_url,
        "SERVICEDESK_SECRET_KEY": "bench-secret",
        "SERVICEDESK_BASE_URL": base,
    }
    command = [sys.executable, "-c", "from servicedesk.entry import main; main()", "worker"]
    # Niced like the embedded suggestion child: on shared cores the web processes' sockets
    # come first (a deployment with the worker on the web machine would do the same).
    command = ["nice", "-n", "10", *command]
    # rq logs every job on stdout, which is the bench's JSON line with --json.
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def lane_stats(workdir: Path, servers: list[tuple[str, Any]]) -> dict[str, float]:
    """The servers' suggestion-lane counters so far, summed (SIGUSR2 makes them write)."""
    for _url, process in servers:
        process.send_signal(signal.SIGUSR2)
    totals: dict[str, float] = {}
    for url, _process in servers:
        path = workdir / f"stats-{url.rsplit(':', 1)[1]}.json"
        for _ in range(50):
            if path.exists() and path.stat().st_mtime >= time.time() - 1:
                break
            time.sleep(0.02)
        for key, value in json.loads(path.read_text()).items():
            totals[key] = totals.get(key, 0) + value
    return totals


def loop_stalls(workdir: Path, servers: list[tuple[str, Any]]) -> dict[str, Any]:
    """Each server's long event-loop runs in the window (written at the last SIGUSR2)."""
    found = {}
    for url, _process in servers:
        port = url.rsplit(":", 1)[1]
        path = workdir / f"stalls-{port}.json"
        if path.exists():
            found[f"loop_stalls_{port}"] = json.loads(path.read_text())
    return found


def login_cookie(url: str, email: str) -> str:
    from tests.integration.sockets.live import CSRF

    http = requests.Session()
    token = CSRF.search(http.get(f"{url}/login", timeout=5).text)
    assert token
    data = {"email": email, "password": "bench-password", "csrf_token": token.group(1)}
    http.post(f"{url}/login", data=data, allow_redirects=False, timeout=5)
    return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


async def connect_agent(url: str, email: str, run: Run, origin: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)

    async def created(data: dict[str, Any]) -> None:
        now = time.perf_counter()
        sent = run.sent_at.pop(data["message_id"], None)
        if sent is None:
            run.early[data["message_id"]] = now
        else:
            run.latencies_ms.append((now - sent) * 1000)
            run.trace.append((sent, (now - sent) * 1000))

    async def suggested(data: dict[str, Any]) -> None:
        run.suggested.setdefault(data["request_id"], []).append(time.perf_counter())

    client.on("message.created", created, namespace="/console")
    client.on("suggestions.ready", suggested, namespace="/console")
    cookie = await asyncio.to_thread(login_cookie, url, email)
    await client.connect(
        url,
        namespaces=["/console"],
        transports=["websocket"],
        headers={"Cookie": cookie, "Origin": origin},  # the desk's one public address
    )
    return client


async def connect_customer(url: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        url,
        namespaces=["/chat"],
        transports=["websocket"],
        headers={"Origin": url},
        wait_timeout=30,
    )
    return client


async def send(client: socketio.AsyncClient, run: Run, text: str) -> dict[str, Any]:
    started = time.perf_counter()
    ack = await client.call(
        "message",
        {"client_id": f"m{random.getrandbits(60):x}", "text": text},
        namespace="/chat",
        timeout=30,
    )
    if not ack or not ack.get("ok"):
        run.errors += 1
        return {}
    message_id = ack["message"]["id"]
    run.last_sent[ack["message"]["request_id"]] = started
    arrived = run.early.pop(message_id, None)
    if arrived is not None:
        run.latencies_ms.append((arrived - started) * 1000)
        run.trace.append((started, (arrived - started) * 1000))
    else:
        run.sent_at[message_id] = started
    return ack  # type: ignore[no-any-return]


async def customer_loop(client: socketio.AsyncClient, run: Run, rate: float, until: float) -> int:
    sent = 0
    rng = random.Random()
    next_at = time.perf_counter() + random.random() / rate
    while next_at < until:
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await send(client, run, question(rng))
        sent += 1
        next_at += random.expovariate(rate)  # Poisson arrivals, independent of delays
    return sent


async def measure(
    args: argparse.Namespace,
    workdir: Path,
    servers: list[tuple[str, Any]],
    worker: Any = None,
) -> dict[str, Any]:
    urls, pids = [url for url, _ in servers], [process.pid for _, process in servers]
    worker_pids = [worker.pid] if worker is not None else []
    run = Run()
    agents = [
        await connect_agent(urls[i % len(urls)], f"agent{i}@bench.example", run, urls[0])
        for i in range(args.agents)
    ]
    customers = []
    for batch in range(0, args.customers, 50):
        chunk = range(batch, min(batch + 50, args.customers))
        customers += await asyncio.gather(*(connect_customer(urls[i % len(urls)]) for i in chunk))
    # This process is the stopwatch: a full collection over 500 clients' objects would
    # pause it for 100+ ms and show up as server latency.
    gc.freeze()
    # Warm-up: every customer opens a request; agents view their share of them.
    # Customers arrive 50 at a time: each first message is routed (one encoding on the
    # event loop), and 500 at once would queue 500 encodings behind each other.
    rng = random.Random(1)
    opened = []
    for batch in range(0, len(customers), 50):
        chunk = customers[batch : batch + 50]
        opened += await asyncio.gather(*(send(c, run, question(rng)) for c in chunk))
    for index, ack in enumerate(opened):
        if ack:
            agent = agents[index % len(agents)]
            await agent.call(
                "view", {"request_id": ack["message"]["request_id"]}, namespace="/console"
            )
    await asyncio.sleep(args.settle)  # the opening messages' suggestions
    run.latencies_ms.clear()
    run.sent_at.clear()
    started = time.perf_counter()
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    worker_before = sum(cpu_seconds(pid) for pid in worker_pids)
    lane_before = lane_stats(workdir, servers)
    until = started + args.seconds
    counts = await asyncio.gather(*(customer_loop(c, run, args.rate, until) for c in customers))
    elapsed = max(args.seconds, time.perf_counter() - started)
    server_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    worker_cpu = sum(cpu_seconds(pid) for pid in worker_pids) - worker_before
    lane = {k: v - lane_before.get(k, 0) for k, v in lane_stats(workdir, servers).items()}
    stalls = loop_stalls(workdir, servers) if args.stalls else {}
    off_loop_cpu = lane.get("off_loop_cpu_seconds", 0.0)
    server_cpu += lane.get("child_cpu_seconds", 0.0)  # the suggestion process's jobs
    await asyncio.sleep(args.settle)  # the last deliveries and suggestions
    lost = len(run.sent_at)
    suggestion_lag = last_message_to_suggestions(run, started)
    await asyncio.gather(*(client.disconnect() for client in [*customers, *agents]))
    await asyncio.sleep(0.5)  # let aiohttp close its transports before the loop ends
    if args.trace:  # latency over time: stalls show as runs of slow messages
        lines = (f"{sent - started:.3f} {latency:.1f}" for sent, latency in run.trace)
        args.trace.write_text("\n".join(lines) + "\n")
    ordered = sorted(run.latencies_ms)
    return {
        "customers": args.customers,
        "agents": args.agents,
        "processes": len(urls),
        "messages": sum(counts),
        "messages_per_s": round(sum(counts) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered), 2) if ordered else None,
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 2) if ordered else None,
        "server": args.server,
        "server_cpu_ms_per_message": round(server_cpu * 1000 / max(1, sum(counts)), 2),
        # Server CPU less what the suggestion searches spent on their own OS thread.
        "delivery_cpu_ms_per_message": round(
            (server_cpu - off_loop_cpu) * 1000 / max(1, sum(counts)), 2
        ),
        # The rq worker's CPU (with --redis): the suggestion jobs run there.
        "worker_cpu_ms_per_message": round(worker_cpu * 1000 / max(1, sum(counts)), 2),
        "suggestion_runs": int(lane.get("runs", 0)),
        "suggestion_requests": int(lane.get("submitted", 0)),
        "suggestion_batches": int(lane.get("batches", 0)),
        "suggestion_busy_s": round(lane.get("busy_seconds", 0.0), 2),
        "suggestion_cpu_s": round(off_loop_cpu, 2),
        "lost": lost,
        "errors": run.errors,
        **suggestion_lag,
        **stalls,
    }


def last_message_to_suggestions(run: Run, since: float) -> dict[str, Any]:
    """Per request written to in the window: last message -> the suggestions after it."""
    lags = []
    for request_id, last in run.last_sent.items():
        if last < since:
            continue
        after = [ready for ready in run.suggested.get(request_id, []) if ready >= last]
        lags.append((min(after) - last) * 1000 if after else None)
    arrived = sorted(lag for lag in lags if lag is not None)
    return {
        "suggestions_after_last_p50_ms": round(statistics.median(arrived), 1) if arrived else None,
        "suggestions_after_last_p99_ms": (
            round(arrived[int(len(arrived) * 0.99) - 1], 1) if arrived else None
        ),
        "suggestions_after_last_max_ms": round(arrived[-1], 1) if arrived else None,
        "suggestions_missing": len(lags) - len(arrived),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--rate", type=float, default=0.2, help="messages per second per customer")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument(
        "--redis", default=None, help="Redis message queue (needed for --processes > 1)"
    )
    parser.add_argument(
        "--postgres", default=None, help="admin URL; the bench creates and drops its own database"
    )
    parser.add_argument(
        "--server", choices=["gevent", "threading"], default="gevent", help="as `servicedesk serve`"
    )
    parser.add_argument(
        "--articles",
        choices=["demo", "10k", "none"],
        default="demo",
        help="the demo's help articles, those plus 10,000 synthetic ones, or an empty KB",
    )
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data"), help="StackFAQ for --articles 10k"
    )
    parser.add_argument(
        "--no-sla",
        dest="sla",
        action="store_false",
        help="leave out the demo's SLA policies (chat then keeps no clocks), to compare",
    )
    parser.add_argument(
        "--settle", type=float, default=5, help="seconds to wait for suggestions after sending"
    )
    parser.add_argument("--trace", type=Path, help="write each message's send time and latency")
    parser.add_argument(
        "--stalls",
        action="store_true",
        help="time every greenlet run on the servers' event loops (bench.loop_stalls)",
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args(argv)
    if args.processes > 1 and not args.redis:
        parser.error("--processes > 1 needs --redis")
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(args.postgres) as url:
        if url:
            (Path(tmp) / "database_url").write_text(url)
        servers, facts = start_servers(Path(tmp), args.processes, args.redis, args)
        worker = start_worker(Path(tmp), args.redis, servers[0][0]) if args.redis else None
        try:
            result = asyncio.run(measure(args, Path(tmp), servers, worker))
        finally:
            for process in [*(p for _url, p in servers), *([worker] if worker else [])]:
                process.terminate()
                process.wait(timeout=10)
    result["database"] = "postgresql" if args.postgres else "sqlite"
    result["articles"] = facts["articles"]
    result["router_trained"] = facts["router"] is not None
    result["sla"] = facts["sla"]
    name = (
        f"chat_latency_{args.customers}_{args.processes}p_{result['database']}_{args.server}"
        f"_{args.articles}{'' if args.sla else '_nosla'}.json"
    )
    report(result, name, as_json=args.json)


def report(result: dict[str, Any], name: str, *, as_json: bool, width: int = 15) -> None:
    """Write `result` to bench/results/NAME and print it (one JSON line, or a table)."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    if as_json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>{width}}  {value}")


if __name__ == "__main__":
    main()
