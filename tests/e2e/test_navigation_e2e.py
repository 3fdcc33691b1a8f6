"""The console's grouped navigation in Chromium: it fits a laptop screen and its menus work."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from tests.e2e.conftest import agent_page
from tests.integration.sockets.live import AGENTS, LiveServer

ADMIN = "ada@desk.example"


def signed_in_admin(browser: Browser, live: LiveServer, container: Container) -> Page:
    with container.uow() as uow:
        create_agent(uow.session, ADMIN, "ada-password", name="Ada Admin", roles=["admin"])
        uow.commit()
    AGENTS[ADMIN] = ("ada-password", "Ada Admin")
    try:
        page = agent_page(browser, live, ADMIN)
    finally:
        del AGENTS[ADMIN]
    page.set_viewport_size({"width": 1100, "height": 800})
    return page


def test_the_admins_navigation_fits_1100_pixels_and_opens_one_menu_at_a_time(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    page = signed_in_admin(browser, live, container)
    overflow = page.evaluate(
        "() => { const bar = document.querySelector('.topbar');"
        " return bar.scrollWidth - bar.clientWidth; }"
    )
    assert overflow <= 0
    nav = page.get_by_role("navigation", name="Main")
    roles = nav.get_by_role("link", name="Roles")
    customers = nav.get_by_role("link", name="Customers")
    expect(roles).to_be_hidden()
    nav.locator("summary", has_text="Admin").click()
    expect(roles).to_be_visible()
    nav.locator("summary", has_text="CRM").click()
    expect(customers).to_be_visible()
    expect(roles).to_be_hidden()  # opening one menu closes the other
    page.locator("main").click()
    expect(customers).to_be_hidden()
    nav.locator("summary", has_text="Admin").click()
    roles.click()
    page.wait_for_url("**/crm/roles")


def test_an_agent_sees_no_admin_only_links(browser: Browser, live: LiveServer) -> None:
    page = agent_page(browser, live)
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Admin").click()
    expect(nav.get_by_role("link", name="Routing")).to_be_visible()
    for admin_only in ("Roles", "Audit log", "Email", "Slack"):
        assert nav.get_by_role("link", name=admin_only).count() == 0
