"""Sales console pages: leads, opportunities and their board, forecasts, orders, reports.

One module of views per concern; importing it registers its routes on the blueprint.
"""

from servicedesk.web.sales import (  # noqa: F401  (routes)
    deal_views,
    lead_admin,
    lead_report,
    leads,
    order_views,
    pipeline_views,
    report_views,
)
from servicedesk.web.sales.blueprint import sales

__all__ = ["deal_views", "order_views", "pipeline_views", "report_views", "sales"]
