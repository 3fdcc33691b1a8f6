"""The `crm` blueprint object, which the CRM views register their routes on."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

crm = Blueprint("crm", __name__, url_prefix="/crm")
guard_ids(crm)
