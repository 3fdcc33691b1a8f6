"""The widget alone: offline mode with the pre-chat form, CSAT after solved, phone and keyboard,
and on a phone it stays on screen whatever the host page does."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import func, select

from crm_core.confirmations import EmailConfirmation, confirmation_token
from crm_core.customers import find_identity
from servicedesk.container import Container
from servicedesk.desk.feedback import RequestRating
from servicedesk.desk.models import ServiceRequest, Status
from servicedesk.desk.operations import change_status
from tests.e2e.conftest import customer_says
from tests.integration.sockets.live import LiveServer


def test_offline_prechat_links_email_once_confirmed_and_csat_after_solved(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    page = browser.new_page()
    page.goto(f"{live.url}/widget/demo?suggest=off")
    page.get_by_role("button", name="Chat with us").click()
    expect(page.get_by_role("status").filter(has_text="reply by email")).to_be_visible()
    page.get_by_label("Your name (optional)").fill("Dana Customer")
    page.get_by_label("Your email").fill("dana@example.com")
    page.get_by_role("button", name="Start chat").click()
    expect(page.get_by_label("Your email")).to_be_hidden()
    customer_says(page, "Please call me back")
    expect(page.locator(".sdw-mine .sdw-receipt")).to_have_text("Sent")
    with container.uow() as uow:
        request = uow.session.scalars(select(ServiceRequest)).one()
        assert "reply-by-email" in request.tags  # used once the address is confirmed
        assert find_identity(uow.session, "email", "dana@example.com") is None
        claim = uow.session.scalars(select(EmailConfirmation)).one()
        token = confirmation_token(container.config.secret_key, claim)
    mailbox = browser.new_page()  # the link from the confirmation mail
    mailbox.goto(f"{live.url}/help/confirm/{token}")
    mailbox.get_by_role("button", name="Confirm my email address").click()
    expect(mailbox.get_by_role("heading", name="Your email address is confirmed")).to_be_visible()
    with container.uow() as uow:
        request = uow.session.scalars(select(ServiceRequest)).one()
        identity = find_identity(uow.session, "email", "dana@example.com")
        assert identity is not None and identity.customer_id == request.customer_id
        change_status(uow, request.id, Status.SOLVED)
        uow.commit()
    page.get_by_role("button", name="Good").click()
    expect(page.locator(".sdw-csat")).to_have_text("Thank you for your feedback!")
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(RequestRating)) == 1


def test_phone_sized_and_keyboard_only(browser: Browser, live: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live.url}/widget/demo?suggest=off")
    page.get_by_role("button", name="Chat with us").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Support")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None and box["width"] >= 370 and box["height"] >= 600
    page.get_by_role("button", name="Skip").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your message")).to_be_focused()
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Enter")
    expect(page.locator(".sdw-messages")).to_contain_text("Typed without a mouse")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()
    context.close()


PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
# A shop page as found in the wild: no viewport tag (a phone lays it out 980px wide) and a
# banner wider than that, so the phone zooms out to fit it.
HOSTILE_SHOP = """<!doctype html><html><head><title>Shop</title></head><body>
<div style="width: 1600px; height: 2400px">Our widest banner</div>
<script src="/widget.js" data-desk="demo" data-suggest="off"></script></body></html>"""


def phone_page(browser: Browser) -> Page:
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    return context.new_page()


def screen_box(locator: Locator) -> dict[str, float]:
    """Where the element shows on the phone's screen, in screen (CSS at scale 1) pixels."""
    box: dict[str, float] = locator.evaluate(
        """(node) => {
          const r = node.getBoundingClientRect(), v = window.visualViewport;
          const x = (px) => (px - v.offsetLeft) * v.scale, y = (px) => (px - v.offsetTop) * v.scale;
          return {left: x(r.left), top: y(r.top), right: x(r.right), bottom: y(r.bottom),
                  screenWidth: v.width * v.scale, screenHeight: v.height * v.scale};
        }"""
    )
    return box


def assert_on_screen(box: dict[str, float]) -> None:
    assert box["left"] >= 0 and box["top"] >= 0, box
    assert box["right"] <= box["screenWidth"] + 1 and box["bottom"] <= box["screenHeight"] + 1, box


def open_on_phone(page: Page) -> None:
    """The launcher shows on screen, big enough to tap; tapped, the chat fills the screen."""
    launcher = page.get_by_role("button", name="Chat with us")
    box = screen_box(launcher)
    assert_on_screen(box)
    assert box["right"] - box["left"] >= 100, box  # not zoomed out with the page
    launcher.tap()
    panel = screen_box(page.get_by_role("dialog", name="Support"))
    assert_on_screen(panel)
    assert panel["right"] - panel["left"] >= 380 and panel["bottom"] - panel["top"] >= 800, panel
    page.get_by_role("button", name="Skip").tap()
    assert_on_screen(screen_box(page.get_by_label("Your message")))
    assert_on_screen(screen_box(page.get_by_role("button", name="Send")))


def test_demo_page_on_a_phone_shows_the_chat_button(browser: Browser, live: LiveServer) -> None:
    page = phone_page(browser)
    page.goto(f"{live.url}/widget/demo?suggest=off")
    # The page itself fits the phone: its one long line of code wraps.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    open_on_phone(page)
    customer_says(page, "Hello from my phone")
    expect(page.locator(".sdw-mine .sdw-receipt")).to_have_text("Sent")


def test_widget_stays_on_a_phone_screen_on_a_page_made_for_desktops(
    browser: Browser, live: LiveServer
) -> None:
    page = phone_page(browser)
    page.route(
        f"{live.url}/shop", lambda route: route.fulfill(body=HOSTILE_SHOP, content_type="text/html")
    )
    page.goto(f"{live.url}/shop")
    assert page.evaluate("window.visualViewport.scale") < 0.5  # the phone zoomed the page out
    open_on_phone(page)
    customer_says(page, "Hello from a page made for desktops")
    expect(page.locator(".sdw-mine .sdw-receipt")).to_have_text("Sent")
