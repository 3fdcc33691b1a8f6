"""Router console pages: model versions and roll-back, admin rules, test box, corrections."""

from servicedesk.web.router import views  # noqa: F401  (registers the routes)
from servicedesk.web.router.blueprint import router

__all__ = ["router"]
