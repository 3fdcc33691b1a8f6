"""The `sla` blueprint object, which the views register their routes on."""

from flask import Blueprint

sla = Blueprint("sla", __name__, url_prefix="/console/sla")
