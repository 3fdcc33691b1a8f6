"""The `portal` blueprint object, which the views register their routes on."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

portal = Blueprint("portal", __name__, url_prefix="/help")
guard_ids(portal)
