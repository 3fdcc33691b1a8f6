"""Signing out also ends the agent's live console sockets."""

from __future__ import annotations

import time

import requests
import socketio

from tests.integration.sockets.live import AGENTS, CSRF, LiveServer


def test_logout_disconnects_the_console_socket(
    live: LiveServer, clients: list[socketio.Client]
) -> None:
    http = requests.Session()
    email = next(iter(AGENTS))
    token = CSRF.search(http.get(f"{live.url}/login", timeout=5).text)
    assert token
    http.post(
        f"{live.url}/login",
        timeout=5,
        allow_redirects=False,
        data={"email": email, "password": AGENTS[email][0], "csrf_token": token.group(1)},
    )
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    client = socketio.Client()
    clients.append(client)
    client.connect(live.url, namespaces=["/console"], headers={"Cookie": cookie})
    assert client.connected
    console = http.get(f"{live.url}/console", timeout=5).text
    csrf = CSRF.search(console)
    assert csrf
    http.post(f"{live.url}/logout", data={"csrf_token": csrf.group(1)}, timeout=5)
    deadline = time.monotonic() + 5
    while "/console" in client.namespaces and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "/console" not in client.namespaces
