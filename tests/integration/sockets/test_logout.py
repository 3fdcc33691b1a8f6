"""Signing out also ends the agent's live console sockets."""

from __future__ import annotations

import contextlib
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


def _signed_in(live: LiveServer, email: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    token = CSRF.search(http.get(f"{live.url}/login", timeout=5).text)
    assert token
    http.post(
        f"{live.url}/login",
        timeout=5,
        allow_redirects=False,
        data={"email": email, "password": AGENTS[email][0], "csrf_token": token.group(1)},
    )
    return http, "; ".join(f"{k}={v}" for k, v in http.cookies.items())


def test_a_cookie_copied_before_sign_out_cannot_open_the_console_socket(
    live: LiveServer, clients: list[socketio.Client]
) -> None:
    http, copied = _signed_in(live, next(iter(AGENTS)))
    csrf = CSRF.search(http.get(f"{live.url}/console", timeout=5).text)
    assert csrf
    http.post(f"{live.url}/logout", data={"csrf_token": csrf.group(1)}, timeout=5)
    client = socketio.Client()
    clients.append(client)
    # Refused outright is what we want: the handshake raises.
    with contextlib.suppress(socketio.exceptions.ConnectionError):
        client.connect(live.url, namespaces=["/console"], headers={"Cookie": copied})
    time.sleep(0.3)
    assert "/console" not in client.namespaces
