"""The `router` blueprint object, which the views register their routes on."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

router = Blueprint("router", __name__, url_prefix="/console/router")
guard_ids(router)
