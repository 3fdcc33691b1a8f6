"""The public lead form: `POST /forms/lead` from any allowed site, and its embed script."""

from servicedesk.web.lead_forms import views  # noqa: F401  (registers the routes)
from servicedesk.web.lead_forms.blueprint import lead_forms

__all__ = ["lead_forms"]
