"""`servicedesk serve --port P` and `demo --port P` accept sockets from their own origin."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.fixtures.servers import free_port, wait_until_serving
from tests.integration.test_cli import SERVICEDESK, env


@pytest.fixture
def demo_on_a_free_port(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [SERVICEDESK, "demo", "--port", str(port)],
        env=env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, timeout=120)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_sockets_from_the_desks_own_origin_are_accepted_on_any_port(
    demo_on_a_free_port: str,
) -> None:
    url = demo_on_a_free_port
    handshake = f"{url}/socket.io/?EIO=4&transport=polling"
    own = requests.get(handshake, headers={"Origin": url}, timeout=10)
    assert own.status_code == 200, own.text
    foreign = requests.get(handshake, headers={"Origin": "http://elsewhere.example"}, timeout=10)
    assert foreign.status_code == 400
