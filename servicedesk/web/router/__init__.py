"""Router console pages: model versions and roll-back, admin rules, test box, corrections."""

from flask import Blueprint

router = Blueprint("router", __name__, url_prefix="/console/router")

from servicedesk.web.router import views  # noqa: E402,F401  (registers routes)
