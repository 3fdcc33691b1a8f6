"""The help centre's own sign-in realm: which customer this browser session belongs to.

Kept apart from the agents' Flask-Login session under keys of its own, so a customer's
sign-in never opens the console and an agent's never opens a customer's requests. A
session ends when the customer signs out everywhere (the account's version moved on) or
when it is older than the absolute lifetime, however active it stayed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, redirect, request, session, url_for

from servicedesk.current import container_of
from servicedesk.desk.customer_accounts import PortalUser, current_user

CUSTOMER = "portal_customer_id"
VERSION = "portal_session_version"
SIGNED_IN_AT = "portal_signed_in_at"


def start_portal_session(user: PortalUser) -> None:
    """Remember the signed-in customer in this browser's session."""
    end_portal_session()
    session.permanent = True
    session[CUSTOMER] = user.customer_id
    session[VERSION] = user.session_version
    session[SIGNED_IN_AT] = int(time.time())


def end_portal_session() -> None:
    for key in (CUSTOMER, VERSION, SIGNED_IN_AT):
        session.pop(key, None)
    g.pop("portal_user", None)


def portal_user() -> PortalUser | None:
    """The customer signed in to this session, or None."""
    if "portal_user" in g:
        return g.portal_user  # type: ignore[no-any-return]
    user = _load()
    g.portal_user = user
    return user


def _load() -> PortalUser | None:
    customer_id, version, started = (session.get(k) for k in (CUSTOMER, VERSION, SIGNED_IN_AT))
    if not isinstance(customer_id, int) or not isinstance(version, int):
        return None
    lifetime = container_of().config.session_absolute_minutes * 60
    if not isinstance(started, int) or not 0 <= time.time() - started < lifetime:
        return None
    with container_of().uow() as uow:
        return current_user(uow.session, customer_id, version)


def customer_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send a visitor who is not signed in to the sign-in page, then back here."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if portal_user() is None:
            return redirect(url_for("portal.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return guarded


def signed_in_user() -> PortalUser:
    """The customer of a view guarded by `customer_required`."""
    user = portal_user()
    assert user is not None, "guard the view with customer_required"
    return user


def template_context() -> dict[str, Any]:
    """`customer` in every help centre page: the signed-in customer, or None."""
    return {"customer": portal_user()}
