"""The `kb` blueprint object, which the views register their routes on."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

kb = Blueprint("kb", __name__, url_prefix="/console/kb")
guard_ids(kb)
