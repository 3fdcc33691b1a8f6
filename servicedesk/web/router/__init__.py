"""Router console pages: model versions and roll-back, admin rules, test box, corrections."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

router = Blueprint("router", __name__, url_prefix="/console/router")
guard_ids(router)

from servicedesk.web.router import views  # noqa: E402,F401  (registers routes)
