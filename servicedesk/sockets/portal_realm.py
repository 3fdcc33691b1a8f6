"""Which help centre customer a browser session belongs to: read by pages and sockets.

The help centre's sign-in realm is kept apart from the agents' Flask-Login session, under
keys of its own, so a customer's sign-in never opens the console and an agent's never
opens a customer's requests. A session ends when the customer signs out everywhere (the
account's version moved on) or when it is older than the absolute lifetime, however
active it stayed. The web layer writes these keys (web/portal/session.py).
"""

from __future__ import annotations

import time

from flask import session

from servicedesk.current import container_of
from servicedesk.desk.customer_accounts import PortalUser, current_user

CUSTOMER = "portal_customer_id"
VERSION = "portal_session_version"
SIGNED_IN_AT = "portal_signed_in_at"


def load_portal_user() -> PortalUser | None:
    """The customer signed in to this session, or None."""
    customer_id, version, started = (session.get(k) for k in (CUSTOMER, VERSION, SIGNED_IN_AT))
    if not isinstance(customer_id, int) or not isinstance(version, int):
        return None
    lifetime = container_of().config.session_absolute_minutes * 60
    if not isinstance(started, int) or not 0 <= time.time() - started < lifetime:
        return None
    with container_of().uow() as uow:
        return current_user(uow.session, customer_id, version)
