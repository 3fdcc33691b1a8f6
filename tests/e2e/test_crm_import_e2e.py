"""The console import in Chromium: upload, map, dry run, import; the page polls the dry-run
job and the progress bar the import job (both on the in-process background thread)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from servicedesk.container import Container
from servicedesk.queues import InProcessQueue
from tests.e2e.conftest import agent_page
from tests.integration.sockets.live import LiveServer


def test_import_with_a_progress_bar(
    browser: Browser, live: LiveServer, container: Container, tmp_path: Path
) -> None:
    container.tasks = InProcessQueue(container)  # a background thread, as in production
    rows = [f"Person {i},person{i}@acme.example,Acme\n" for i in range(1, 1201)]
    path = tmp_path / "people.csv"
    path.write_text("Full name,E-mail,Company\n" + "".join(rows), encoding="utf-8")
    page = agent_page(browser, live)
    page.goto(f"{live.url}/crm/import")
    page.get_by_label("File (CSV or XLSX").set_input_files(str(path))
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_text("1200 rows of customers")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value("email")
    page.get_by_role("button", name="Dry run").click()
    expect(page.get_by_text("No row would be rejected.")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/progress")
    text = page.locator("#import-text")
    expect(text).to_contain_text("finished: 1200 of 1200 rows", timeout=90_000)
    expect(page.locator("#import-bar")).to_have_attribute("value", "100")
    expect(page.get_by_role("button", name="Resume")).to_have_count(0)
