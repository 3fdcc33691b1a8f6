"""The `sales` blueprint object, which the sales views register their routes on."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

sales = Blueprint("sales", __name__, url_prefix="/sales")
guard_ids(sales)
