"""Knowledge base authoring in the console: articles, review workflow, revisions, gaps."""

from flask import Blueprint

from servicedesk.web.ids import guard_ids

kb = Blueprint("kb", __name__, url_prefix="/console/kb")
guard_ids(kb)

from servicedesk.web.kb import views  # noqa: E402,F401  (registers routes)
