"""The embeddable lead form in real Chromium, on another site's page: the script posts it
across origins, shows the error beside the wrong field, then the thanks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_core.sales.models import Lead
from servicedesk.container import Container
from tests.fixtures.servers import free_port
from tests.integration.sockets.live import LiveServer, build_container, seed_agents


@pytest.fixture
def shop_port() -> int:
    return free_port()


@pytest.fixture
def container(
    sqlite_engine: Engine, tmp_path: Path, port: int, shop_port: int
) -> Iterator[Container]:
    """The desk at 127.0.0.1; the customer's site, http://localhost on another port, is
    the only other origin allowed to post the form."""
    built = build_container(
        sqlite_engine.url.render_as_string(hide_password=False),
        tmp_path / "instance",
        base_url=f"http://127.0.0.1:{port}",
        widget_origins=(f"http://localhost:{shop_port}",),
    )
    seed_agents(built)
    yield built
    built.engine.dispose()


def shop_page(desk: str) -> str:
    return f"""<!doctype html><html><body><h1>Shop</h1>
<form data-servicedesk-lead action="{desk}/forms/lead" method="post" novalidate>
  <label>Name <input name="name"></label>
  <label>Work email <input name="email"></label><span data-error-for="email"></span>
  <label>Employees <input name="company_size"></label><span data-error-for="company_size"></span>
  <div style="position:absolute;left:-10000px" aria-hidden="true"><input name="website"></div>
  <button type="submit">Talk to sales</button><p data-lead-status role="status"></p>
</form><script src="{desk}/forms/lead.js"></script></body></html>"""


@pytest.fixture
def shop(live: LiveServer, shop_port: int) -> Iterator[str]:
    """The customer's site: a real server on loopback (Chromium refuses loopback requests
    from a page that has no address, such as one Playwright fulfils itself)."""
    body = shop_page(live.url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", shop_port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{shop_port}/shop.html"
    server.shutdown()
    server.server_close()


def test_embedded_form_shows_field_errors_then_thanks(
    browser: Browser, shop: str, container: Container
) -> None:
    page = browser.new_page()
    page.goto(shop)
    page.get_by_label("Name").fill("Kim")
    page.get_by_label("Work email").fill("kim@")
    page.get_by_label("Employees").fill("many")
    page.get_by_role("button", name="Talk to sales").click()
    expect(page.locator('[data-error-for="email"]')).to_contain_text("not a valid email")
    expect(page.locator('[data-error-for="company_size"]')).to_contain_text("whole number")
    page.get_by_label("Work email").fill("kim@retail.example")
    page.get_by_label("Employees").fill("40")
    page.get_by_role("button", name="Talk to sales").click()
    expect(page.get_by_role("status")).to_have_text("Thank you, we will be in touch.")
    expect(page.locator('[data-error-for="email"]')).to_have_text("")
    with container.uow() as uow:
        lead = uow.session.scalars(select(Lead)).one()
        assert (lead.email, lead.company_size, lead.source) == ("kim@retail.example", 40, "form")
