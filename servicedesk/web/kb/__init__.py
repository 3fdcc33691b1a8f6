"""Knowledge base authoring in the console: articles, review workflow, revisions, gaps."""

from servicedesk.web.kb import views  # noqa: F401  (registers the routes)
from servicedesk.web.kb.blueprint import kb

__all__ = ["kb"]
