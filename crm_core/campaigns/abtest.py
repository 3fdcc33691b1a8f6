"""A/B tests: a two-proportion z-test on opens or clicks, and sending the winner to the rest."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm_core.campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Variant

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class VariantResult:
    label: str
    sent: int
    successes: int

    @property
    def rate(self) -> float:
        return self.successes / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class AbResult:
    metric: str
    variants: list[VariantResult]
    z: float | None
    p_value: float | None
    leader: str | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < SIGNIFICANCE

    def as_json(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "variants": [
                {
                    "label": v.label,
                    "sent": v.sent,
                    "successes": v.successes,
                    "rate": round(v.rate, 4),
                }
                for v in self.variants
            ],
            "z": None if self.z is None else round(self.z, 4),
            "p_value": None if self.p_value is None else round(self.p_value, 6),
            "significant": self.significant,
            "leader": self.leader,
        }


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """z and the two-sided p-value for H0: both proportions are equal (pooled variance)."""
    from scipy.stats import norm  # imported late: scipy costs a fraction of a second

    if n1 == 0 or n2 == 0:
        raise ValueError("both groups need at least one trial")
    pooled = (x1 + x2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / spread
    return z, float(2 * norm.sf(abs(z)))


def ab_result(session: Session, campaign: Campaign) -> AbResult | None:
    """The A/B figures of a campaign with two or more variants; None without a test."""
    labels = sorted(
        session.scalars(select(Variant.label).where(Variant.campaign_id == campaign.id))
    )
    if campaign.ab_sample_percent <= 0 or len(labels) < 2:
        return None
    column = Delivery.clicked_at if campaign.ab_metric == "click" else Delivery.opened_at
    # Only the sample counts: rows sent to the rest after the decision have the winner's
    # label too, but `ab_sample` marks the ones sent during the test.
    rows = session.execute(
        select(Delivery.variant, func.count(Delivery.id), func.count(column))
        .where(
            Delivery.campaign_id == campaign.id,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.ab_sample.is_(True),
        )
        .group_by(Delivery.variant)
    ).all()
    counts = {label: (int(sent), int(hits)) for label, sent, hits in rows}
    results = [VariantResult(label, *counts.get(label, (0, 0))) for label in labels]
    z = p_value = None
    first, second = sorted(results, key=lambda r: r.rate, reverse=True)[:2]
    if first.sent and second.sent:
        z, p_value = two_proportion_z_test(
            first.successes, first.sent, second.successes, second.sent
        )
    leader = first.label if first.sent else None
    return AbResult(campaign.ab_metric, results, z, p_value, leader)


def choose_winner(session: Session, campaign: Campaign, label: str | None = None) -> str:
    """Release the held rest of the audience with the winning variant (the leader unless
    `label` picks one by hand); returns the winner."""
    if campaign.status != CampaignStatus.TESTING:
        raise ValueError("the campaign is not waiting for an A/B decision")
    result = ab_result(session, campaign)
    winner = label or (result.leader if result else None) or "A"
    known = session.scalar(
        select(Variant.id).where(Variant.campaign_id == campaign.id, Variant.label == winner)
    )
    if known is None:
        raise ValueError(f"no variant {winner!r}")
    session.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.HELD)
        .values(status=DeliveryStatus.PENDING, variant=winner)
    )
    campaign.ab_winner = winner
    campaign.status = CampaignStatus.SENDING
    session.flush()
    return winner


def ab_window_over(campaign: Campaign, now: datetime) -> bool:
    """Whether an automatic decision is due."""
    started = campaign.started_at
    if campaign.status != CampaignStatus.TESTING or started is None:
        return False
    if started.tzinfo is None:  # SQLite hands back naive datetimes
        now = now.replace(tzinfo=None)
    return now >= started + timedelta(hours=campaign.ab_hours)
