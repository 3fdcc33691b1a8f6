"""The marketing-event hook: committed writes reach the session's sink, rolled back ones
do not."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from crm_core.campaigns.workflows.definition import TriggerKind
from crm_core.campaigns.workflows.events import MarketingEvent, matches
from crm_core.campaigns.workflows.hook import SINK_KEY
from crm_core.crypto import session_info
from crm_core.customers.models import LifecycleStage
from crm_core.customers.operations import add_tag
from crm_core.db import UnitOfWork, make_session_factory
from crm_core.lifecycle.models import StageChange
from crm_core.sales.models import Activity, ActivityKind, Lead
from tests.conftest import TEST_CRYPTO
from tests.factories import make_customer


def test_stage_changes_and_tags_reach_the_sink_after_commit_only(sqlite_engine: Engine) -> None:
    seen: list[MarketingEvent] = []
    info = {**session_info(TEST_CRYPTO), SINK_KEY: seen.extend}
    sessions = make_session_factory(sqlite_engine, info)
    with UnitOfWork(sessions) as uow:
        customer = make_customer(uow, "Eve")
        uow.commit()
    with UnitOfWork(sessions) as uow:
        add_tag(uow.session, customer, "Beta")
        uow.session.flush()
        assert seen == []  # nothing before the commit
    assert seen == []  # rolled back: nothing at all
    with UnitOfWork(sessions) as uow:
        tag = add_tag(uow.session, customer, "Beta")
        change = StageChange(
            customer_id=customer.id,
            from_stage=LifecycleStage.PROSPECT,
            to_stage=LifecycleStage.NEW,
            reason="first order",
            at=datetime.now(UTC),
        )
        uow.session.add(change)
        uow.commit()
    assert sorted(seen, key=lambda e: e.kind) == [
        MarketingEvent(TriggerKind.STAGE_CHANGED, customer.id, {"stage": "new"}),
        MarketingEvent(TriggerKind.TAG_ADDED, customer.id, {"tag_id": tag.id}),
    ]


def test_a_lead_score_change_and_a_form_submit_are_noticed(sqlite_engine: Engine) -> None:
    seen: list[MarketingEvent] = []
    sessions = make_session_factory(
        sqlite_engine, {**session_info(TEST_CRYPTO), SINK_KEY: seen.extend}
    )
    with UnitOfWork(sessions) as uow:
        customer = make_customer(uow, "Lia")
        lead = Lead(name="Lia", email="lia@x.example", customer_id=customer.id, score=10)
        uow.session.add(lead)
        uow.commit()
    seen.clear()
    with UnitOfWork(sessions) as uow:
        row = uow.session.get(Lead, lead.id)
        assert row is not None
        row.score = 60
        uow.session.add(
            Activity(kind=ActivityKind.FORM_SUBMIT, lead_id=lead.id, customer_id=customer.id)
        )
        uow.commit()
    by_kind = {event.kind: event for event in seen}
    assert by_kind[TriggerKind.LEAD_SCORE].detail == {"from": 10, "to": 60, "lead": lead.id}
    assert by_kind[TriggerKind.FORM_SUBMITTED].customer_id == customer.id
    crossed = by_kind[TriggerKind.LEAD_SCORE]
    assert matches(TriggerKind.LEAD_SCORE, {"threshold": 50}, crossed)
    assert not matches(TriggerKind.LEAD_SCORE, {"threshold": 70}, crossed)
    assert not matches(TriggerKind.LEAD_SCORE, {"threshold": 5}, crossed)  # was above already
