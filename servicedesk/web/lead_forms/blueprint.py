"""The `lead_forms` blueprint object (no URL prefix: its routes live under /forms)."""

from flask import Blueprint

lead_forms = Blueprint("lead_forms", __name__)
