"""Chromium against `servicedesk serve` as deployed: its own process, gevent, a free port.

The other browser tests serve the app from werkzeug's threads, which never wrote the stray
HTTP response after a websocket session that gevent's server did (see
servicedesk/websocket_handover.py): Chromium logged "Invalid frame header" on every page
the console left.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, Page, WebSocket, expect

from tests.e2e.conftest import new_page
from tests.fixtures.servers import free_port, wait_until_serving
from tests.integration.sockets.live import AGENTS

SERVICEDESK = str(Path(sys.executable).with_name("servicedesk"))
EMAIL = "alex@desk.example"
UPGRADE_PACKET = "5"  # engine.io: the client switches from polling to this websocket


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`servicedesk serve` on a free port, on its own SQLite database, with one agent."""
    url = f"http://127.0.0.1:{free_port()}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    env = {
        **clean,
        "SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance"),
        "SERVICEDESK_SECRET_KEY": "served-e2e-secret",
        "SERVICEDESK_BASE_URL": url,
    }
    password, name = AGENTS[EMAIL]
    create = [SERVICEDESK, "agent", "create", EMAIL, "--name", name, "--password", password]
    subprocess.run(create, env=env, check=True, capture_output=True)
    port = url.rsplit(":", 1)[1]
    server = subprocess.Popen([SERVICEDESK, "serve", "--port", port], env=env)
    try:
        wait_until_serving(url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def console_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", keep)
    page.on("websocket", lambda ws: ws.on("socketerror", lambda error: errors.append(error)))
    return errors


def upgraded_socket(page: Page, go: Callable[[], object]) -> WebSocket:
    """The page's Socket.IO websocket once the client has finished upgrading to it."""
    with page.expect_websocket() as opened:
        go()
    socket = opened.value
    socket.wait_for_event("framesent", lambda payload: payload == UPGRADE_PACKET)
    return socket


def leave(page: Page, socket: WebSocket) -> None:
    """What the console's socket does as the tab leaves the page (`closeOnBeforeunload`),
    on a page that stays open, so that Chromium reports what follows the close to it (a
    stray response fails this wait with "Socket error")."""
    with socket.expect_event("close"):
        page.evaluate("window.dispatchEvent(new Event('beforeunload'))")


def test_leaving_console_pages_logs_no_websocket_error(browser: Browser, served: str) -> None:
    page = new_page(browser)
    errors = console_errors(page)
    page.goto(f"{served}/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(AGENTS[EMAIL][0])
    socket = upgraded_socket(page, page.get_by_role("button", name="Sign in").click)
    leave(page, socket)
    for view in ("all", "mine"):
        socket = upgraded_socket(page, lambda v=view: page.goto(f"{served}/console?view={v}"))
        leave(page, socket)
    page.goto(f"{served}/widget/demo?suggest=off")  # and a real departure, to the chat
    expect(page.get_by_role("button", name="Chat with us")).to_be_visible()
    page.wait_for_timeout(300)  # the stray response came right behind the close frame
    assert errors == []
    refused_upgrade_is_still_answered(served)


def refused_upgrade_is_still_answered(served: str) -> None:
    """An upgrade engine.io turns down never became a websocket: its error is sent."""
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    url = f"{served}/socket.io/?EIO=4&transport=websocket&sid=no-such-session"
    refused = requests.get(url, headers=headers, timeout=5)
    assert refused.status_code == 400 and "Invalid session" in refused.text
