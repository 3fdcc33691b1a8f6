"""SLA console pages: policies and calendars (read for agents, edited by admins)."""

from servicedesk.web.sla import views  # noqa: F401  (registers the routes)
from servicedesk.web.sla.blueprint import sla

__all__ = ["sla"]
