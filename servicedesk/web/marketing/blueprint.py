"""The `marketing` blueprint object, which the marketing views register their routes on."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

marketing = Blueprint("marketing", __name__, url_prefix="/marketing")
guard_ids(marketing)
