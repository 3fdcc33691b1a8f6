"""Segments counted in one query on SQLite and PostgreSQL; A/B tests against hand-computed
z-tests; the template sandbox; forged tracking tokens."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from crm_core.campaigns.abtest import (
    ab_result,
    ab_window_over,
    choose_winner,
    two_proportion_z_test,
)
from crm_core.campaigns.models import CampaignStatus, Delivery, DeliveryStatus
from crm_core.campaigns.rendering import TemplateProblem, render_mail
from crm_core.campaigns.segments import SegmentError, parse_rules
from crm_core.campaigns.tracking import CLICK, BadToken, make_token, record_click
from crm_core.customers.models import LifecycleStage
from crm_core.db import utcnow
from crm_core.lifecycle.models import StageChange
from crm_core.orders.models import Order, OrderStatus
from servicedesk.desk.campaigns import count_segment, start_campaign
from tests.factories import make_customer, make_request
from tests.integration.marketing.helpers import SECRET, make_audience, make_campaign


def _order(uow, customer_id: int, days_ago: int, total: str = "100") -> None:  # type: ignore[no-untyped-def]
    at = utcnow() - timedelta(days=days_ago)
    uow.session.add(
        Order(customer_id=customer_id, status=OrderStatus.PAID, total=Decimal(total), ordered_at=at)
    )


def test_segment_counts_follow_the_rules(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        loyal = make_audience(uow, 4)  # loyal, no orders
        _order(uow, loyal[0], 10)
        _order(uow, loyal[1], 100)
        _order(uow, loyal[1], 5, "5000")
        churned = make_customer(uow, "Old Timer")
        churned.lifecycle_stage = LifecycleStage.CHURNED
        uow.session.add(
            StageChange(
                customer_id=churned.id,
                to_stage=LifecycleStage.CHURNED,
                at=utcnow() - timedelta(days=30),
            )
        )
        make_request(uow, customer=churned)
        uow.session.flush()
        now = utcnow()
        count = lambda rules: count_segment(uow.session, rules, now)  # noqa: E731
        assert count("stage = loyal") == 4
        assert count("stage = loyal\norders = 0 within 60") == 2  # loyal[2], loyal[3]
        assert count("orders >= 1 within 60") == 2
        assert count("orders >= 2") == 1
        assert count("revenue >= 1000 within 30") == 1
        assert count("became = churned within 90") == 1
        assert count("became = churned within 7") == 0
        assert count("open_requests >= 1") == 1
        assert count("requests = 0 within 30\nstage != churned") == 4
        with pytest.raises(SegmentError, match="unknown field"):
            count("shoe_size > 3")
    with pytest.raises(SegmentError, match="line 2"):
        parse_rules("stage = loyal\nnonsense")


def test_ab_test_picks_the_winner_and_sends_it_to_the_rest(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        make_audience(uow, 40)
        campaign = make_campaign(uow, variants=2, sample=50)
        start_campaign(uow.session, campaign, utcnow())
        assert campaign.status == CampaignStatus.TESTING
        rows = list(uow.session.query(Delivery).filter_by(campaign_id=campaign.id))
        sample = [r for r in rows if r.status == DeliveryStatus.PENDING]
        assert {r.variant for r in sample} == {"A", "B"} and len(sample) == 20
        for row in sample:
            row.status, row.sent_at = DeliveryStatus.SENT, utcnow()
            if row.variant == "B":
                row.clicked_at = utcnow()
        uow.session.flush()
        started = campaign.started_at
        assert started is not None
        assert not ab_window_over(campaign, started + timedelta(hours=23))
        assert ab_window_over(campaign, started + timedelta(hours=25))  # `tick` decides then
        result = ab_result(uow.session, campaign)
        assert result is not None and result.leader == "B" and result.significant
        assert choose_winner(uow.session, campaign) == "B"
        held = [r for r in rows if not r.ab_sample]
        uow.session.refresh(held[0])
        assert held[0].variant == "B" and held[0].status == DeliveryStatus.PENDING


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "z", "p"),
    [
        (120, 1000, 90, 1000, 2.1883, 0.02865),  # pooled 0.105, se 0.013709
        (30, 200, 20, 200, 1.5119, 0.13057),  # pooled 0.125, se 0.033072: not significant
        (50, 100, 50, 100, 0.0, 1.0),
    ],
)
def test_two_proportion_z_test_matches_hand_computation(x1, n1, x2, n2, z, p) -> None:  # type: ignore[no-untyped-def]
    got_z, got_p = two_proportion_z_test(x1, n1, x2, n2)
    assert got_z == pytest.approx(z, abs=1e-3) and got_p == pytest.approx(p, abs=5e-4)


def test_templates_cannot_reach_python_objects() -> None:
    values = {"customer": {"first_name": "Kim"}}
    with pytest.raises(TemplateProblem):
        render_mail("{{ ''.__class__.__mro__ }}", "x", "", values)
    with pytest.raises(TemplateProblem):
        render_mail("s", "{{ customer.__class__.__subclasses__() }}", "", values)
    mail = render_mail(
        "Hi {{ customer.first_name }}",
        "t",
        '<a href="https://x.example" onclick="evil()">x</a>',
        values,
    )
    assert mail.subject == "Hi Kim" and "onclick" not in mail.html


def test_forged_or_altered_click_tokens_are_refused(uow_factory) -> None:  # type: ignore[no-untyped-def]
    good = make_token(SECRET, CLICK, [1, "https://shop.example/"])
    payload, _, signature = good.rpartition(".")
    with uow_factory() as uow:
        for bad in (
            make_token("another-secret", CLICK, [1, "https://evil.example/"]),
            make_token(SECRET, "campaign-open", [1, "https://evil.example/"]),
            f"{payload}.{signature[:-2]}xx",
            "garbage",
        ):
            with pytest.raises(BadToken):
                record_click(uow.session, SECRET, bad)
        assert record_click(uow.session, SECRET, good) == "https://shop.example/"
