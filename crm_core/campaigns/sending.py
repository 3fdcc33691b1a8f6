"""Planning and sending a campaign: one delivery row per recipient, claimed before sending.

Exactly-once, as far as SMTP allows: a row goes pending -> claimed -> sending -> sent,
each step committed. A worker that dies leaves `claimed` rows (never handed to SMTP:
released and sent later) or at most one `sending` row (maybe handed over: marked
`uncertain`, never sent again automatically). Nobody gets the mail twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, insert, literal, select, update
from sqlalchemy.orm import Session

from crm_core.campaigns.compose import SendSettings, compose_campaign_mail
from crm_core.campaigns.eligibility import ConsentFilter, eligible_recipients, marketing_consent
from crm_core.campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    Variant,
)
from crm_core.campaigns.rendering import personalisation
from crm_core.campaigns.resources.usage import record_campaign_uses
from crm_core.customers.models import Customer
from crm_core.db import UnitOfWork

Mailer = Callable[[Message, str], None]  # hands one mail to SMTP; raises when refused
OPEN_WORK = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)


class CampaignError(ValueError):
    """The campaign cannot be sent as asked; the message says why."""


@dataclass
class SendOutcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    released: int = 0
    uncertain: int = 0


def plan_deliveries(
    session: Session,
    campaign: Campaign,
    audience: Select[Any],
    now: datetime,
    consent: ConsentFilter = marketing_consent,
) -> int:
    """Insert a delivery row for every eligible recipient (once: re-planning adds none).

    With an A/B test, `ab_sample_percent` of the audience get the variants in turn and
    the rest are held for the winner. Returns the number of rows added. One INSERT.
    """
    labels = _sendable_labels(session, campaign)
    recipients = eligible_recipients(audience, consent).subquery()
    customer_id = recipients.c.id
    already = select(Delivery.customer_id).where(Delivery.campaign_id == campaign.id)
    testing = campaign.ab_sample_percent > 0 and len(labels) > 1
    if testing:
        variant_column, status, sample = _ab_assignment(
            customer_id, labels, campaign.ab_sample_percent
        )
    else:
        variant_column, status = literal(labels[0]), literal(DeliveryStatus.PENDING.value)
        sample = literal(False)
    rows = select(
        literal(campaign.id), customer_id, recipients.c.email, variant_column, status, sample
    ).where(customer_id.not_in(already))
    columns = ["campaign_id", "customer_id", "email", "variant", "status", "ab_sample"]
    mine = select(func.count(Delivery.id)).where(Delivery.campaign_id == campaign.id)
    before = session.scalar(mine) or 0
    session.execute(insert(Delivery).from_select(columns, rows))
    # Counted, not rowcount: psycopg reports -1 for INSERT ... SELECT here.
    added = (session.scalar(mine) or 0) - before
    campaign.status = CampaignStatus.TESTING if testing else CampaignStatus.SENDING
    campaign.started_at = campaign.started_at or now
    record_campaign_uses(session, campaign.id)
    session.flush()
    return int(added or 0)


def _sendable_labels(session: Session, campaign: Campaign) -> list[str]:
    """The campaign's variant labels; refused for a campaign that is not mail."""
    if campaign.channel != Channel.EMAIL:
        raise CampaignError(f"channel {campaign.channel.value}: not a mail campaign")
    labels = sorted(
        session.scalars(select(Variant.label).where(Variant.campaign_id == campaign.id))
    )
    if not labels:
        raise CampaignError("the campaign has no mail yet (subject and body)")
    return labels


def _ab_assignment(
    customer_id: Any, labels: list[str], percent: int
) -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """Variant, status and sample flag of an A/B test: `percent` of the audience (spread by
    a multiplicative hash of the id) get the variants in turn, the rest are held."""
    in_sample = (customer_id * 37) % 100 < percent
    variant = case(*[(customer_id % len(labels) == i, label) for i, label in enumerate(labels)])
    return (
        case((in_sample, variant), else_=None),
        case((in_sample, DeliveryStatus.PENDING.value), else_=DeliveryStatus.HELD.value),
        case((in_sample, True), else_=False),
    )


def release_stale(
    session: Session, campaign_id: int, now: datetime, lease_seconds: int
) -> tuple[int, int]:
    """Give back claims of dead workers; mark their in-flight rows uncertain."""
    cutoff = now - timedelta(seconds=lease_seconds)
    stale = (Delivery.campaign_id == campaign_id, Delivery.claimed_at < cutoff)
    released = session.execute(
        update(Delivery)
        .where(*stale, Delivery.status == DeliveryStatus.CLAIMED)
        .values(status=DeliveryStatus.PENDING, claim=None, claimed_at=None)
    ).rowcount  # type: ignore[attr-defined]
    uncertain = session.execute(
        update(Delivery)
        .where(*stale, Delivery.status == DeliveryStatus.SENDING)
        .values(status=DeliveryStatus.UNCERTAIN)
    ).rowcount  # type: ignore[attr-defined]
    return int(released or 0), int(uncertain or 0)


def claim_batch(session: Session, campaign_id: int, size: int, now: datetime) -> list[Delivery]:
    """Claim up to `size` pending rows for this worker (safe beside other workers)."""
    token = uuid.uuid4().hex
    pending = (
        select(Delivery.id)
        .where(Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.PENDING)
        .order_by(Delivery.id)
        .limit(size)
    )
    session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(pending.scalar_subquery()), Delivery.status == DeliveryStatus.PENDING
        )
        .values(status=DeliveryStatus.CLAIMED, claim=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return list(
        session.scalars(select(Delivery).where(Delivery.claim == token).order_by(Delivery.id))
    )


@dataclass
class _Sender:
    uow: UnitOfWork
    settings: SendSettings
    mailer: Mailer
    clock: Callable[[], datetime]
    variants: dict[str, Variant]
    eligible: set[int]  # the batch's customers still eligible when it was claimed

    def send(self, delivery: Delivery, outcome: SendOutcome) -> None:
        session = self.uow.session
        customer = session.get(Customer, delivery.customer_id)
        if customer is None or delivery.customer_id not in self.eligible:
            delivery.status = DeliveryStatus.SKIPPED
            self.uow.commit()
            outcome.skipped += 1
            return
        variant = self.variants[delivery.variant or ""]
        mail = compose_campaign_mail(
            self.settings, delivery, variant, customer, personalisation(customer)
        )
        delivery.status = DeliveryStatus.SENDING
        self.uow.commit()  # from here on, a crash means "maybe sent": never again
        try:
            self.mailer(mail, delivery.email)
        except Exception as error:  # refused by the server: recorded, not retried blindly
            delivery.status, delivery.error = DeliveryStatus.FAILED, str(error)[:500]
            outcome.failed += 1
        else:
            delivery.status, delivery.sent_at = DeliveryStatus.SENT, self.clock()
            outcome.sent += 1
        self.uow.commit()


def send_campaign(
    uow_factory: Callable[[], UnitOfWork],
    campaign_id: int,
    settings: SendSettings,
    mailer: Mailer,
    *,
    consent: ConsentFilter = marketing_consent,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
) -> SendOutcome:
    """Send every pending delivery of the campaign, rate-limited; safe to run twice or
    beside another worker. Planning (`plan_deliveries`) must have happened."""
    outcome = SendOutcome()
    with uow_factory() as uow:
        outcome.released, outcome.uncertain = release_stale(
            uow.session, campaign_id, clock(), settings.lease_seconds
        )
        uow.commit()
    _send_batches(uow_factory, campaign_id, settings, mailer, consent, clock, sleep, outcome)
    with uow_factory() as uow:
        finish_if_done(uow.session, campaign_id)
        uow.commit()
    return outcome


def _send_batches(
    uow_factory: Callable[[], UnitOfWork],
    campaign_id: int,
    settings: SendSettings,
    mailer: Mailer,
    consent: ConsentFilter,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    outcome: SendOutcome,
) -> None:
    gap = 1.0 / settings.rate_per_second if settings.rate_per_second > 0 else 0.0
    next_at = time.monotonic()
    while True:
        with uow_factory() as uow:
            variants = {
                v.label: v
                for v in uow.session.scalars(
                    select(Variant).where(Variant.campaign_id == campaign_id)
                )
            }
            batch = claim_batch(uow.session, campaign_id, settings.batch_size, clock())
            uow.commit()
            if not batch:
                break
            # One query loads the batch's customers; `send` then finds them in the session.
            ids = [delivery.customer_id for delivery in batch]
            uow.session.scalars(select(Customer).where(Customer.id.in_(ids))).all()
            eligible = still_eligible(uow.session, ids, consent)
            sender = _Sender(uow, settings, mailer, clock, variants, eligible)
            for delivery in batch:
                if gap:
                    next_at += gap
                    sleep(max(0.0, next_at - time.monotonic()))
                sender.send(delivery, outcome)


def still_eligible(session: Session, customer_ids: list[int], consent: ConsentFilter) -> set[int]:
    """Those of a batch who may still be mailed, checked once per batch just before it goes
    out (an unsubscribe, bounce or withdrawn consent since planning skips them).

    Once per batch, not per mail: building and running that query for every recipient
    cost a quarter of the CPU of a send."""
    audience = select(Customer.id).where(Customer.id.in_(customer_ids))
    return set(session.scalars(select(eligible_recipients(audience, consent).subquery().c.id)))


def finish_if_done(session: Session, campaign_id: int) -> bool:
    """Mark the campaign sent when no row waits any more (held A/B rows do)."""
    waiting = session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.campaign_id == campaign_id,
            Delivery.status.in_([*OPEN_WORK, DeliveryStatus.HELD]),
        )
    )
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or waiting or campaign.status == CampaignStatus.TESTING:
        return False
    campaign.status = CampaignStatus.SENT
    return True
