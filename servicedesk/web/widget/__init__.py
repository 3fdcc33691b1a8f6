"""The chat widget: the embeddable script, uploads, CSAT, suggestions and a demo page."""

from flask import Blueprint

widget = Blueprint("widget", __name__)

from servicedesk.web.widget import views  # noqa: E402,F401  (registers routes)
