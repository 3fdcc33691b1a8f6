"""A real server on a free port in a test thread, and helpers to sign in and connect."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import socketio
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from servicedesk.app import create_app
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
AGENTS = {
    "alex@desk.example": ("alex-password", "Alex Agent"),
    "blair@desk.example": ("blair-password", "Blair Agent"),
}


def build_container(database_url: str, instance: Path, **settings: Any) -> Container:
    config = Config(
        instance_dir=instance,
        database_url=database_url,
        secret_key="socket-test-secret",
        testing=True,
        **settings,
    )
    return Container.build(config, synchronous_jobs=True)


def seed_agents(container: Container) -> None:
    with container.uow() as uow:
        for email, (password, name) in AGENTS.items():
            create_agent(uow.session, email, password, name=name)
        uow.commit()


@dataclass
class LiveServer:
    """The app served by werkzeug in a thread (Flask-SocketIO upgrades to websocket there)."""

    app: Flask
    server: BaseWSGIServer = field(init=False)
    thread: threading.Thread = field(init=False)

    def start(self, port: int = 0) -> LiveServer:
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        """Like a process exit: no new connections, and every open socket is dropped."""
        self.server.shutdown()
        # Long-poll requests outlive `shutdown()` in their threads; close them as a dying
        # process would (an engine-level close, after which clients reconnect).
        # `wait=False`: nobody may be polling to drain the close packet.
        engine = self.app.extensions["socketio"].server.eio
        for sid, sock in list(engine.sockets.items()):
            sock.close(wait=False)
            engine.sockets.pop(sid, None)
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(container: Container, port: int = 0) -> LiveServer:
    return LiveServer(create_app(container=container)).start(port)


def session_cookie(base_url: str, email: str) -> str:
    """Sign in through the login form; returns the `Cookie` header value."""
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=5).text
    match = CSRF.search(page)
    assert match, "login page has no CSRF field"
    password = AGENTS[email][0]
    data = {"email": email, "password": password, "csrf_token": match.group(1)}
    response = http.post(f"{base_url}/login", data=data, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text[:300]
    return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


@dataclass
class Recorder:
    """Collects events a client receives; `wait_for` blocks until one matches."""

    events: list[tuple[str, Any]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def attach(self, client: socketio.Client, namespace: str, names: list[str]) -> None:
        for name in names:
            client.on(name, self._handler(name), namespace=namespace)

    def _handler(self, name: str) -> Callable[[Any], None]:
        def record(data: Any = None) -> None:
            with self.changed:
                self.events.append((name, data))
                self.changed.notify_all()

        return record

    def wait_for(
        self, name: str, where: Callable[[Any], bool] = lambda _d: True, timeout: float = 5
    ) -> Any:
        with self.changed:
            ok = self.changed.wait_for(
                lambda: any(n == name and where(d) for n, d in self.events), timeout
            )
            assert ok, f"no {name} event; got {[n for n, _ in self.events]}"
            return next(d for n, d in self.events if n == name and where(d))

    def names(self) -> list[str]:
        with self.changed:
            return [n for n, _ in self.events]
