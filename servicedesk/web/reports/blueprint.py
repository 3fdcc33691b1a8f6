"""The `reports` blueprint object, which the views register their routes on."""

from flask import Blueprint

reports = Blueprint("reports", __name__, url_prefix="/console/reports")
