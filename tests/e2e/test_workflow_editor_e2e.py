"""The workflow editor in real Chromium: a marketer builds a sequence with a branch
(steps as cards, yes and no columns), reorders and removes cards, and saves it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.workflows.models import Workflow
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from tests.e2e.conftest import new_page
from tests.integration.sockets.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _marketer_page(browser: Browser, live: LiveServer) -> Page:
    page = new_page(browser)
    page.goto(f"{live.url}/login")
    page.get_by_label("Email").fill("mona@desk.example")
    page.get_by_label("Password").fill("mona-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console")
    return page


def _add(page: Page, where: str, label: str) -> None:
    box = page.locator(f'[data-add="{where}"]')
    box.get_by_label("New step type").select_option(label=label)
    box.get_by_role("button", name="Add step").click()


def test_a_marketer_builds_a_workflow_with_a_branch_and_saves_it(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    with container.uow() as uow:
        create_agent(uow.session, "mona@desk.example", "mona-password", roles=["marketing"])
        draft = CampaignDraft(name="Welcome mail", mails=[MailDraft("A", "Welcome", "Hello")])
        campaign_id = save_campaign(uow.session, Viewer.system(), draft).id
        uow.commit()
    page = _marketer_page(browser, live)
    page.goto(f"{live.url}/marketing/workflows/new")
    page.get_by_label("Name").fill("Welcome new customers")
    page.get_by_label("Trigger").select_option("tag_added")
    page.locator("#tag").fill("new-customer")
    canvas = page.locator("#workflow-canvas")
    _add(page, "root", "Add tag")
    canvas.locator('[data-step="s1"] [data-setting="tag"]').fill("welcome")
    _add(page, "root", "Send email")
    _add(page, "root", "Wait")
    wait = canvas.locator('[data-step="s3"]')
    wait.locator('[data-setting="days"]').fill("2")
    wait.get_by_role("button", name="Move up").click()  # wait before the mail
    expect(canvas.locator(".wf-card").nth(1)).to_have_attribute("data-step", "s3")
    _add(page, "root", "Branch on a condition")
    branch = canvas.locator('[data-step="s4"]')
    expect(branch.locator(".wf-arm")).to_have_count(2)
    branch.locator('[data-setting="condition"]').fill(f"opened = {campaign_id}")
    _add(page, "s4.yes", "Add tag")
    canvas.locator('[data-step="s5"] [data-setting="tag"]').fill("engaged")
    _add(page, "s4.no", "Notify rep in Slack")
    canvas.locator('[data-step="s6"] [data-setting="text"]').fill("Call them")
    _add(page, "s4.no", "Update field")
    canvas.locator('[data-step="s7"]').get_by_role("button", name="Remove step").click()
    expect(canvas.locator('[data-step="s7"]')).to_have_count(0)
    page.get_by_role("button", name="Save workflow").click()
    page.wait_for_url(re.compile(r".*/marketing/workflows/\d+$"))  # not .../new
    expect(page.locator("h1")).to_have_text("Welcome new customers")
    expect(page.locator("#step-counts tbody tr")).to_have_count(6)
    with container.uow() as uow:
        saved = uow.session.scalars(select(Workflow)).one()
        trigger, definition = saved.trigger, saved.definition
    assert trigger == "tag_added" and definition["trigger"] == {"tag": "new-customer"}
    assert [s["type"] for s in definition["steps"]] == ["tag", "wait", "email", "branch"]
    assert definition["steps"][1]["days"] == 2
    assert definition["steps"][2]["campaign_id"] == campaign_id
    branch_step = definition["steps"][3]
    assert branch_step["condition"] == f"opened = {campaign_id}"
    assert branch_step["yes"] == [{"id": "s5", "type": "tag", "tag": "engaged"}]
    assert [(s["type"], s["text"]) for s in branch_step["no"]] == [("notify", "Call them")]


def test_the_server_refuses_a_bad_step_and_names_it(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    with container.uow() as uow:
        create_agent(uow.session, "mona@desk.example", "mona-password", roles=["marketing"])
        uow.commit()
    page = _marketer_page(browser, live)
    page.goto(f"{live.url}/marketing/workflows/new")
    page.get_by_label("Name").fill("Half done")
    _add(page, "root", "Add tag")  # its tag left empty
    page.get_by_role("button", name="Save workflow").click()
    expect(page.locator("#workflow-errors")).to_contain_text(
        "step 1 (tag): tag: the tag to add is missing"
    )
    expect(page.locator('#workflow-canvas [data-step="s1"]')).to_be_visible()  # kept
