"""The agent console: inbox lists and the request page (server-rendered)."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

console = Blueprint("console", __name__, url_prefix="/console")
guard_ids(console)

from servicedesk.web.console import forms, suggestions, views  # noqa: E402,F401  (registers routes)
