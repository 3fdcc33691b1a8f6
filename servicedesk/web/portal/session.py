"""Signing a help centre customer in and out of this browser session, and guarding views.

The keys and their reading live in `servicedesk.sockets.portal_realm`, which the
`/portal` socket namespace shares.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, redirect, request, session, url_for

from servicedesk.desk.customer_accounts import PortalUser
from servicedesk.sockets.portal_realm import CUSTOMER, SIGNED_IN_AT, VERSION, load_portal_user


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
    """The customer signed in to this session, or None (read once per request)."""
    if "portal_user" not in g:
        g.portal_user = load_portal_user()
    return g.portal_user  # type: ignore[no-any-return]


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
