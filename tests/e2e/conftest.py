"""Real Chromium (Playwright) against the app served from a test thread on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.engine import Engine

from servicedesk.app import create_app
from servicedesk.container import Container
from tests.fixtures.servers import free_port
from tests.integration.sockets.live import AGENTS, LiveServer, build_container, seed_agents

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def container(sqlite_engine: Engine, tmp_path: Path, port: int) -> Iterator[Container]:
    built = build_container(
        sqlite_engine.url.render_as_string(hide_password=False),
        tmp_path / "instance",
        base_url=f"http://127.0.0.1:{port}",
    )
    seed_agents(built)
    yield built
    built.engine.dispose()


@pytest.fixture
def live(container: Container, port: int) -> Iterator[LiveServer]:
    app = create_app(container=container)
    app.config["CONSOLE_IDLE_SECONDS"] = 600
    server = LiveServer(app).start(port)
    yield server
    server.stop()


def new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(10_000)
    return context.new_page()


def customer_page(browser: Browser, live: LiveServer) -> Page:
    page = new_page(browser)
    page.goto(f"{live.url}/widget/demo?suggest=off")
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_role("button", name="Skip").click()
    return page


def customer_says(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def agent_page(browser: Browser, live: LiveServer, email: str = "alex@desk.example") -> Page:
    page = new_page(browser)
    page.goto(f"{live.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(AGENTS[email][0])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console")
    return page
