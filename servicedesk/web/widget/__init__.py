"""The chat widget: the embeddable script, uploads, CSAT, suggestions and a demo page."""

from servicedesk.web.widget import views  # noqa: F401  (registers the routes)
from servicedesk.web.widget.blueprint import widget

__all__ = ["widget"]
