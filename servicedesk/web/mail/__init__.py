"""Email administration in the console: mailboxes and the quarantine (admins only)."""

from servicedesk.web.mail import views  # noqa: F401  (registers the routes)
from servicedesk.web.mail.blueprint import mail

__all__ = ["mail"]
