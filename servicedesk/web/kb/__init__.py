"""Knowledge base authoring in the console: articles, review workflow, revisions, gaps."""

from flask import Blueprint

kb = Blueprint("kb", __name__, url_prefix="/console/kb")

from servicedesk.web.kb import views  # noqa: E402,F401  (registers routes)
