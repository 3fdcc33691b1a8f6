"""The agent console: inbox lists and the request page (server-rendered)."""

from servicedesk.web.console import forms, suggestions, views  # noqa: F401  (registers the routes)
from servicedesk.web.console.blueprint import console

__all__ = ["console"]
