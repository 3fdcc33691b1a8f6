"""The widget alone: offline mode with the pre-chat form, CSAT after solved, phone and keyboard."""

from __future__ import annotations

from playwright.sync_api import Browser, expect
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
