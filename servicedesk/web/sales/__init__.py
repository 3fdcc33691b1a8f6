"""Sales console pages: leads, opportunities and their board, forecasts, orders, reports.

One module of views per concern; importing it registers its routes on the blueprint.
"""

from servicedesk.web.sales import lead_admin, lead_report, leads  # noqa: F401  (routes)
from servicedesk.web.sales.blueprint import sales

__all__ = ["sales"]
