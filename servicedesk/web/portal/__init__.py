"""The public help centre: search and read public articles, rate them."""

from servicedesk.web.portal import contact, views  # noqa: F401  (registers the routes)
from servicedesk.web.portal.blueprint import portal

__all__ = ["portal"]
