"""The `console` blueprint object, which the views register their routes on."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

console = Blueprint("console", __name__, url_prefix="/console")
guard_ids(console)
