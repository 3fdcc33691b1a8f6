"""The public help centre: search and read public articles, rate them."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

portal = Blueprint("portal", __name__, url_prefix="/help")
guard_ids(portal)

from servicedesk.web.portal import confirm, contact, views  # noqa: E402,F401  (registers routes)
