"""The agent console: inbox lists and the request page (server-rendered)."""

from servicedesk.web.console import (  # noqa: F401  (registers the routes)
    forms,
    satisfaction,
    suggestions,
    views,
)
from servicedesk.web.console.blueprint import console

__all__ = ["console"]
