"""Marketing campaigns: segments, email campaigns with A/B tests, tracking and analytics.

No Flask here: the web layer, the CLI and the jobs wire these operations up.
"""

from crm_core.campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    Segment,
    Suppression,
    Variant,
)

__all__ = [
    "Campaign",
    "CampaignStatus",
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "Segment",
    "Suppression",
    "Variant",
]
