"""Marketing console pages: segments, campaigns and their analytics, workflows, the
resource library; tracking endpoints.

One module of views per concern; importing it registers its routes on the blueprint.
"""

from servicedesk.web.marketing import (
    campaign_views,
    resource_files,
    resource_views,
    segment_views,
    tracking_views,
    workflow_views,
)
from servicedesk.web.marketing.blueprint import marketing

__all__ = [
    "campaign_views",
    "marketing",
    "resource_files",
    "resource_views",
    "segment_views",
    "tracking_views",
    "workflow_views",
]
