"""The public help centre: search and read public articles, rate them."""

from servicedesk.web.portal import (  # noqa: F401  (registers the routes)
    account,
    banner,
    confirm,
    contact,
    data_rights,
    deflection,
    rating,
    requests,
    views,
)
from servicedesk.web.portal.blueprint import portal

__all__ = ["portal"]
