"""The `widget` blueprint object, which the views register their routes on."""

from flask import Blueprint

widget = Blueprint("widget", __name__)
