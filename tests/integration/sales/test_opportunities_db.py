"""Deals on SQLite and PostgreSQL: stage moves and their history, win and loss, scoping."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm_core.access import READ_ONLY, Viewer
from crm_core.sales.deal_queries import DealFilter, board_columns, list_opportunities
from crm_core.sales.forecast import GroupBy, WhatIf, forecast, load_deals
from crm_core.sales.models import ForecastCategory, StageOutcome
from crm_core.sales.opportunities import (
    DealDraft,
    DealLine,
    create_opportunity,
    get_opportunity,
    lose_opportunity,
    move_opportunity,
    opportunity_timeline,
    time_in_stage,
    update_opportunity,
    win_opportunity,
)
from crm_core.sales.reports import funnel, rep_performance
from crm_core.sales.scope import DealError, DealNotFound, NotAllowed
from tests.integration.sales.deal_fixtures import (
    NOW,
    SYSTEM,
    admin,
    catalogue,
    customer,
    rep,
    sales_pipeline,
    stage_id,
)


def test_moves_record_history_time_in_stage_and_closing(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        session = uow.session
        pipeline = sales_pipeline(session)
        skus = catalogue(session)
        buyer = customer(session, "ana@shop.example")
        draft = DealDraft(
            "Shop rollout", customer_id=buyer.id, expected_close=date(2026, 4, 30),
            lines=(DealLine(skus["SEAT"], 10), DealLine(skus["SETUP"], 1, Decimal("250"))),
        )  # fmt: skip
        deal = create_opportunity(session, rep(1), draft, NOW)
        assert deal.amount == Decimal("449.90")  # 10 x 19.99 + 250, the lines' sum
        assert deal.owner_id == 1 and deal.stage.name == "prospecting"
        later = NOW + timedelta(days=3)
        move_opportunity(session, rep(1), deal.id, stage_id(pipeline, "proposal"), later)
        assert (
            move_opportunity(session, rep(1), deal.id, stage_id(pipeline, "proposal"), later)
            is None
        )
        with pytest.raises(DealError, match="reason"):
            lose_opportunity(session, rep(1), deal.id, later, "  ")
        win_opportunity(session, rep(1), deal.id, NOW + timedelta(days=10), "signed")
        uow.commit()
    with uow_factory() as uow:
        deal = get_opportunity(uow.session, SYSTEM, deal.id)
        assert deal.outcome is StageOutcome.WON and deal.close_reason == "signed"
        assert deal.closed_at is not None
        stays = time_in_stage(deal.history, NOW + timedelta(days=12))
        names = {s.id: s.name for s in pipeline.stages}
        assert [(names[s.stage_id], s.seconds / 86400) for s in stays] == [
            ("prospecting", 3.0), ("proposal", 7.0), ("won", 2.0)
        ]  # fmt: skip
        titles = [entry.title for entry in opportunity_timeline(uow.session, [buyer.id])]
        assert titles == ["Deal opened: Shop rollout", "Deal won: Shop rollout"]
        # Reopening clears the outcome.
        move_opportunity(uow.session, admin(), deal.id, stage_id(pipeline, "demo"), NOW)
        assert deal.outcome is StageOutcome.OPEN and deal.closed_at is None


def test_a_rep_sees_and_moves_own_and_team_deals_only(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        session = uow.session
        pipeline = sales_pipeline(session)
        demo = stage_id(pipeline, "demo")
        mine = create_opportunity(session, rep(1), DealDraft("Mine", Decimal(100)), NOW)
        team = create_opportunity(session, rep(2), DealDraft("Team", Decimal(200)), NOW)
        other = create_opportunity(session, rep(3), DealDraft("Other", Decimal(300)), NOW)
        alice = rep(1, 2)  # rep 2 is in her team, rep 3 is not
        seen = {d.name for d in list_opportunities(session, alice, DealFilter())}
        assert seen == {"Mine", "Team"}
        assert {d.name for d in list_opportunities(session, admin(), DealFilter())} == {
            "Mine", "Team", "Other"
        }  # fmt: skip
        move_opportunity(session, alice, team.id, demo, NOW)
        with pytest.raises(DealNotFound):
            move_opportunity(session, alice, other.id, demo, NOW)
        with pytest.raises(NotAllowed, match="owner"):
            create_opportunity(session, alice, DealDraft("Gift", Decimal(1), owner_id=3), NOW)
        looker = Viewer(7, frozenset({READ_ONLY}), frozenset({7}))
        assert len(list_opportunities(session, looker, DealFilter())) == 3
        with pytest.raises(NotAllowed, match="read-only"):
            move_opportunity(session, looker, mine.id, demo, NOW)
        with pytest.raises(NotAllowed):
            update_opportunity(session, looker, mine.id, DealDraft("Renamed", Decimal(1)))
        columns = {
            c.stage.name: [d.name for d in c.deals] for c in board_columns(session, alice, pipeline)
        }
        assert columns["prospecting"] == ["Mine"] and columns["demo"] == ["Team"]
        assert sum(deal.count for deal in load_deals(session, alice)) == 2


def test_list_filters_by_stage_owner_close_month_and_outcome(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        session = uow.session
        pipeline = sales_pipeline(session)
        a = create_opportunity(session, SYSTEM, DealDraft("A", Decimal(1), owner_id=1,
                               expected_close=date(2026, 5, 31)), NOW)  # fmt: skip
        create_opportunity(session, SYSTEM, DealDraft("B", Decimal(1), owner_id=2,
                           expected_close=date(2026, 6, 1)), NOW)  # fmt: skip
        lose_opportunity(session, SYSTEM, a.id, NOW, "budget")

        def names(**given: object) -> list[str]:
            found = list_opportunities(session, SYSTEM, DealFilter(**given))  # type: ignore[arg-type]
            return [d.name for d in found]

        assert names(close_month="2026-05") == ["A"]
        assert names(owner_id=2) == ["B"]
        assert names(outcome=StageOutcome.LOST) == ["A"]
        assert names(stage_id=stage_id(pipeline, "prospecting")) == ["B"]
        with pytest.raises(DealError, match="close_month"):
            names(close_month="May")


def test_forecast_from_the_database_and_funnel_from_history(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        session = uow.session
        pipeline = sales_pipeline(session)
        close = date(2026, 4, 10)
        commit = ForecastCategory.COMMIT
        drafts = [
            DealDraft(f"D{i}", Decimal(1000), owner_id=1, expected_close=close,
                      forecast_category=commit)
            for i in range(4)
        ]  # fmt: skip
        deals = [create_opportunity(session, SYSTEM, draft, NOW) for draft in drafts]
        # D0 stays in prospecting; D1 skips to proposal; D2 is won from demo; D3 lost at demo.
        move_opportunity(session, SYSTEM, deals[1].id, stage_id(pipeline, "proposal"), NOW)
        move_opportunity(session, SYSTEM, deals[2].id, stage_id(pipeline, "demo"), NOW)
        win_opportunity(session, SYSTEM, deals[2].id, NOW + timedelta(days=4))
        move_opportunity(session, SYSTEM, deals[3].id, stage_id(pipeline, "demo"), NOW)
        lose_opportunity(session, SYSTEM, deals[3].id, NOW, "price")
        uow.commit()
    with uow_factory() as uow:
        facts = load_deals(uow.session, SYSTEM)
        result = forecast(facts, GroupBy.MONTH, WhatIf(stage_probabilities={"proposal": 0.9}))
        assert [(r.key, r.deals, r.weighted, r.projected) for r in result.rows] == [
            ("2026-04", 2, Decimal("600.00"), Decimal("1000.00"))
        ]  # 1000 x 0.1 + 1000 x 0.5; with proposal at 0.9: 100 + 900
        steps = {s.stage: s for s in funnel(uow.session, SYSTEM, pipeline)}
        assert [steps[n].reached for n in ("prospecting", "demo", "proposal", "won")] == [
            4,
            3,
            2,
            1,
        ]
        assert steps["demo"].conversion == pytest.approx(2 / 3) and steps["demo"].drop_off == 1
        assert "lost" not in steps and steps["prospecting"].current == 1
        [row] = rep_performance(uow.session, SYSTEM, {1: "Rita"})
        assert (row.name, row.won, row.lost, row.open, row.won_revenue) == ("Rita", 1, 1, 2, 1000)
        assert row.win_rate == 0.5 and row.cycle_days == pytest.approx(4.0)


def test_the_forecast_sums_like_deals_in_sql_and_slips_them_by_their_own_dates(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        sales_pipeline(uow.session)
        closes = [date(2026, 4, 2), date(2026, 4, 25), date(2026, 4, 25), None]
        for i, (close, owner) in enumerate(zip(closes, [1, 1, 2, 2], strict=True)):
            draft = DealDraft(f"D{i}", Decimal("100.25"), owner_id=owner, expected_close=close)
            create_opportunity(uow.session, SYSTEM, draft, NOW)
        uow.commit()
    with uow_factory() as uow:
        by_month = load_deals(uow.session, SYSTEM)
        assert sorted((d.expected_close or date.min, d.count, d.amount) for d in by_month) == [
            (date.min, 1, Decimal("100.25")),
            (date(2026, 4, 1), 3, Decimal("300.75")),  # three April deals, one bundle
        ]
        by_rep = load_deals(uow.session, SYSTEM, by=GroupBy.REP)
        assert sorted((d.owner_id, d.count) for d in by_rep) == [(1, 2), (2, 2)]
        # A ten-day slip moves only the deals of 25 April into May: bundles keep exact dates.
        slipped = load_deals(uow.session, SYSTEM, slip_days=10)
        result = forecast(slipped, GroupBy.MONTH, WhatIf(slip_days=10))
        rows = {row.key: (row.deals, row.projected) for row in result.rows}
        assert rows["2026-04"] == (3, Decimal("10.03"))  # 0.1 x 100.25, rounded per bundle
        assert rows["2026-05"] == (0, Decimal("20.05"))
        assert rows["no date"] == (1, Decimal("10.03"))
