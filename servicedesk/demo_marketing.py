"""Marketing demo data for `servicedesk demo`: a marketer, two segments and a past email
campaign with an A/B test and its results (opens, clicks, an attributed order).

Idempotent: the marketer, segments and campaign are looked up by email and name; the
campaign's deliveries are planned once. Results are written as if the mail had gone out
three weeks ago, so nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.resources.models import Resource, ResourceKind
from crm_core.campaigns.segments import find_segment, save_segment
from crm_core.customers import Customer
from crm_core.db import UnitOfWork, utcnow
from crm_core.privacy.consent import ConsentRecord, Purpose, grant_consent
from servicedesk.desk.accounts import create_agent, find_agent
from servicedesk.desk.campaigns import start_campaign

MARKETER = ("marketing@demo.local", "demo-marketing", "Mona Marketing")
SEGMENTS = {
    "Buying customers": "orders >= 1",
    "Churned in the last 90 days": "became = churned within 90",
    "Loyal, no order in 60 days": "stage = loyal\norders = 0 within 60",
}
CAMPAIGN = "Autumn offer (demo)"
TEMPLATE_TITLE = "Autumn offer email (demo)"  # servicedesk.demo_resources.EMAIL_TEMPLATE
HTML = (
    "<p>Hello {{ customer.first_name }},</p><p>Our autumn offer is on: "
    '<a href="https://shop.example/autumn">see what is new</a>.</p>'
)


def load_marketing_demo(uow_factory: Callable[[], UnitOfWork]) -> list[str]:
    """Load the marketing demo; returns the sign-in line of the marketer."""
    with uow_factory() as uow:
        session = uow.session
        marketer = find_agent(session, MARKETER[0]) or create_agent(
            session, MARKETER[0], MARKETER[1], name=MARKETER[2], roles=["marketing"]
        )
        for name, rules in SEGMENTS.items():
            if find_segment(session, name) is None:
                save_segment(session, name, rules)
        if session.scalar(select(Campaign.id).where(Campaign.name == CAMPAIGN)) is None:
            _past_campaign(uow, marketer.id)
        uow.commit()
    return [f"  marketing  {MARKETER[0]} / {MARKETER[1]}"]


def _past_campaign(uow: UnitOfWork, owner_id: int) -> None:
    session = uow.session
    segment = find_segment(session, "Buying customers")
    assert segment is not None
    _demo_consents(session)
    mails = [
        MailDraft(
            "A",
            "Our autumn offer, {{ customer.first_name }}",
            "See shop.example/autumn",
            HTML,
            template_version_id=_library_template(session),
        ),
        MailDraft(
            "B", "{{ customer.first_name }}, 15% off this week", "15% off: shop.example", HTML
        ),
    ]
    draft = CampaignDraft(
        CAMPAIGN, goal="Bring buying customers back before the winter", segment_id=segment.id,
        budget=Decimal("500"), actual_cost=Decimal("120"), owner_id=owner_id,
        ab_sample_percent=100, ab_metric="click", mails=mails,
    )  # fmt: skip
    campaign = save_campaign(session, Viewer.system(), draft)
    sent_at = utcnow() - timedelta(days=21)
    start_campaign(session, campaign, sent_at)
    rows = session.scalars(select(Delivery).where(Delivery.campaign_id == campaign.id)).all()
    for number, row in enumerate(rows):
        row.status, row.sent_at = DeliveryStatus.SENT, sent_at
        if number % 2 == 0 or row.variant == "B":
            row.opened_at = sent_at + timedelta(hours=2)
        if row.variant == "B":
            row.clicked_at = sent_at + timedelta(hours=3)
    campaign.status, campaign.ab_winner = CampaignStatus.SENT, "B"
    session.flush()


def _library_template(session: Session) -> int | None:
    """The demo email template's version in the resource library, when it was loaded
    (`servicedesk.demo_resources`): variant A is sent from it."""
    return session.scalar(
        select(Resource.current_version_id).where(
            Resource.title == TEMPLATE_TITLE, Resource.kind == ResourceKind.EMAIL_TEMPLATE
        )
    )


def _demo_consents(session: Session) -> None:
    """The demo's customers with an address said yes to marketing mail (campaigns mail
    only those who did)."""
    known = select(ConsentRecord.customer_id)
    for customer_id in session.scalars(
        select(Customer.id).where(Customer.email.is_not(None), Customer.id.not_in(known))
    ):
        grant_consent(session, customer_id, Purpose.MARKETING_EMAIL, source="demo")
