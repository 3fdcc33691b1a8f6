"""The agent console: inbox lists and the request page (server-rendered)."""

from flask import Blueprint

console = Blueprint("console", __name__, url_prefix="/console")

from servicedesk.web.console import forms, suggestions, views  # noqa: E402,F401  (registers routes)
