"""Kanban drag and drop in real Chromium, seen live on a second rep's board."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from crm_core.access import Viewer
from crm_core.sales.models import Opportunity
from crm_core.sales.opportunities import DealDraft, create_opportunity
from servicedesk.container import Container
from servicedesk.desk.accounts import find_agent
from tests.e2e.conftest import agent_page
from tests.factories import make_team
from tests.integration.sales.deal_fixtures import NOW, sales_pipeline, stage_id
from tests.integration.sockets.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_dragged_deal_moves_on_the_other_reps_board(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    with container.uow() as uow:
        alex = find_agent(uow.session, "alex@desk.example")
        blair = find_agent(uow.session, "blair@desk.example")
        assert alex is not None and blair is not None
        make_team(uow, "Sales team", members=[alex, blair])
        pipeline = sales_pipeline(uow.session)
        draft = DealDraft("Harbour cranes", Decimal("12000"), owner_id=blair.id)
        deal_id = create_opportunity(uow.session, Viewer.system(), draft, NOW).id
        demo_id = stage_id(pipeline, "demo")
        uow.commit()
    mover = agent_page(browser, live, "alex@desk.example")
    watcher = agent_page(browser, live, "blair@desk.example")
    for page in (mover, watcher):
        page.goto(f"{live.url}/sales/board")
        expect(page.locator(".deal-card", has_text="Harbour cranes")).to_be_visible()
    # The board marks itself live once its socket joined the sales board's room.
    expect(watcher.locator("#board")).to_have_attribute("data-live", "yes")
    card = mover.locator(".deal-card", has_text="Harbour cranes")
    card.drag_to(mover.locator(f'.board-column[data-stage-id="{demo_id}"] .deal-cards'))
    expect(mover.locator("#board-status")).to_have_text("Moved.")
    demo_column = watcher.locator(f'.board-column[data-stage-id="{demo_id}"]')
    expect(demo_column.locator(".deal-card", has_text="Harbour cranes")).to_be_visible()
    expect(demo_column.locator(".column-count")).to_have_text("1")
    with container.uow() as uow:
        deal = uow.session.get(Opportunity, deal_id)
        assert deal is not None and deal.stage_id == demo_id
        assert [change.to_stage_id for change in deal.history][-1] == demo_id
