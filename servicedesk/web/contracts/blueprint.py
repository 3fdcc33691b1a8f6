"""The `contracts` blueprint object, which the contract views register their routes on."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

contracts = Blueprint("contracts", __name__, url_prefix="/contracts")
guard_ids(contracts)
