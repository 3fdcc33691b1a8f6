"""`servicedesk serve` as deployed: two gevent web processes and an rq worker on one Redis.

A customer on one process and an agent on the other talk both ways; the reply's delivery
job runs in `servicedesk worker`, whose push reaches the customer through Redis too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import socketio

from tests.fixtures.servers import free_port, wait_until_serving
from tests.integration.sockets.live import AGENTS, Recorder, session_cookie

SERVICEDESK = str(Path(sys.executable).with_name("servicedesk"))
CHAT, CONSOLE = "/chat", "/console"
SHOP = "http://shop.example"


@pytest.fixture
def deployment(tmp_path: Path, redis_url: str) -> Iterator[tuple[list[str], dict[str, str]]]:
    """Two `servicedesk serve` processes sharing one database and one Redis."""
    redis.Redis.from_url(redis_url).flushdb()
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    env = {
        **clean,
        "SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance"),
        "SERVICEDESK_SECRET_KEY": "two-process-secret",
        "SERVICEDESK_REDIS_URL": redis_url,
        "SERVICEDESK_BASE_URL": urls[1],
        "SERVICEDESK_WIDGET_ORIGINS": SHOP,
    }
    password, name = AGENTS["alex@desk.example"]
    create = [SERVICEDESK, "agent", "create", "alex@desk.example", "--name", name]
    subprocess.run([*create, "--password", password], env=env, check=True, capture_output=True)
    servers = [
        subprocess.Popen([SERVICEDESK, "serve", "--port", str(port)], env=env) for port in ports
    ]
    try:
        for url in urls:
            wait_until_serving(url)
        yield urls, env
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def test_events_cross_processes_and_the_worker_through_redis(
    deployment: tuple[list[str], dict[str, str]],
) -> None:
    (customer_url, agent_url), env = deployment
    customer, customer_events = socketio.Client(), Recorder()
    customer_events.attach(customer, CHAT, ["message.created", "chat.message"])
    desk, desk_events = socketio.Client(), Recorder()
    desk_events.attach(desk, CONSOLE, ["inbox.changed", "message.created"])
    try:
        customer.connect(customer_url, namespaces=[CHAT], headers={"Origin": SHOP})
        cookie = session_cookie(agent_url, "alex@desk.example")
        desk.connect(
            agent_url, namespaces=[CONSOLE], headers={"Cookie": cookie, "Origin": agent_url}
        )
        ack = customer.call("message", {"client_id": "c-1", "text": "Where is my parcel?"}, CHAT)
        request_id = ack["message"]["request_id"]
        # Process A stored it; the agent on process B hears of it through Redis.
        desk_events.wait_for("inbox.changed", lambda d: request_id in d["request_ids"])
        desk.call("view", {"request_id": request_id}, namespace=CONSOLE)
        reply = desk.call(
            "reply",
            {
                "request_id": request_id,
                "text": "On its way.",
                "seen_message_id": ack["message"]["id"],
            },
            namespace=CONSOLE,
        )
        assert reply.get("ok"), reply
        reply_id = reply["message"]["id"]
        customer_events.wait_for("message.created", lambda d: d["message_id"] == reply_id)

        # The delivery job waits in Redis until a worker runs it; its push crosses Redis.
        assert "chat.message" not in customer_events.names()
        worker = [SERVICEDESK, "worker", "--burst"]
        subprocess.run(worker, env=env, check=True, capture_output=True, timeout=120)
        pushed = customer_events.wait_for("chat.message", timeout=10)
        assert pushed["id"] == reply_id and pushed["author"] == "Alex Agent"
    finally:
        customer.disconnect()
        desk.disconnect()
