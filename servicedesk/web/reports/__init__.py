"""Report pages: the service report with charts and CSV export."""

from servicedesk.web.reports import views  # noqa: F401  (registers the routes)
from servicedesk.web.reports.blueprint import reports

__all__ = ["reports"]
