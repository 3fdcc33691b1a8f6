"""What campaigns need from the desk: request rules for segments, and the campaign run
(plan the audience, send through SMTP) with the desk's collaborators wired in.

Requests live above crm_core, so segment fields over requests are compiled here and
handed to crm_core's compiler as `extra`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from crm_core.campaigns import segments
from crm_core.campaigns.abtest import ab_window_over
from crm_core.campaigns.eligibility import ConsentFilter, marketing_consent, suppress_bouncing
from crm_core.campaigns.models import Campaign, CampaignStatus, Segment
from crm_core.campaigns.sending import CampaignError, plan_deliveries
from crm_core.customers.models import Customer
from servicedesk.desk.models import OPEN_STATUSES, ServiceRequest


def _open_requests(context: segments.RuleContext) -> ColumnElement[bool]:
    where = [ServiceRequest.status.in_(OPEN_STATUSES)]
    count = func.count(ServiceRequest.id)
    return segments.count_condition(
        context.rule, Customer.id, count, where, ServiceRequest.customer_id
    )


def _requests(context: segments.RuleContext) -> ColumnElement[bool]:
    since = context.since
    where = [] if since is None else [ServiceRequest.created_at >= since]
    count = func.count(ServiceRequest.id)
    return segments.count_condition(
        context.rule, Customer.id, count, where, ServiceRequest.customer_id
    )


# `open_requests >= 1`; `requests >= 1 within 30` (asked for help in the last 30 days).
REQUEST_RULES: dict[str, segments.RuleCompiler] = {
    "open_requests": _open_requests,
    "requests": _requests,
}


def count_segment(session: Session, rules_text: str, now: datetime) -> int:
    """The live count of a segment's rules (raises `SegmentError` on a bad rule)."""
    return segments.count_segment(session, segments.parse_rules(rules_text), now, REQUEST_RULES)


def start_campaign(
    session: Session, campaign: Campaign, now: datetime, consent: ConsentFilter = marketing_consent
) -> int:
    """Plan the deliveries of a campaign to its segment (adds nobody twice)."""
    segment = session.get(Segment, campaign.segment_id) if campaign.segment_id else None
    if segment is None:
        raise CampaignError("the campaign has no audience segment")
    suppress_bouncing(session)
    audience = segments.segment_query(segments.parse_rules(segment.rules), now, REQUEST_RULES)
    return plan_deliveries(session, campaign, audience, now, consent)


def due_campaigns(session: Session, now: datetime) -> list[int]:
    """Scheduled campaigns whose time has come and A/B tests whose window is over."""
    rows = session.scalars(
        select(Campaign).where(
            Campaign.status.in_([CampaignStatus.SCHEDULED, CampaignStatus.TESTING])
        )
    )
    due = []
    for campaign in rows:
        at = campaign.scheduled_at
        if campaign.status == CampaignStatus.SCHEDULED and at is not None:
            if (now.replace(tzinfo=None) if at.tzinfo is None else now) >= at:
                due.append(campaign.id)
        elif ab_window_over(campaign, now):
            due.append(campaign.id)
    return due
