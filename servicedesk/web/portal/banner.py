"""The campaign banner at the top of help centre pages: shown, clicked, dismissed.

Templates call `campaign_banner()` (in `_account.html`, which every page includes), so a
page without it costs nothing. The click redirect lives here, not under /marketing,
because the help centre knows which customer is signed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, redirect, request, session
from flask.typing import ResponseReturnValue

from crm_core.campaigns.banners import Banner
from crm_core.campaigns.touches import BANNER, record_touch_click, touch_link
from crm_core.campaigns.tracking import BadToken
from crm_core.db import utcnow
from servicedesk.current import container_of
from servicedesk.desk.banners import banner_for, dismiss_banner
from servicedesk.extensions import limiter
from servicedesk.web.portal.blueprint import portal
from servicedesk.web.portal.session import portal_user

CLOSED = "help_banners_closed"  # banners this browser closed (anonymous visitors' memory)


def campaign_banner() -> Banner | None:
    """The banner for this visitor now, its impression counted; None when there is none."""
    container = container_of()
    user = portal_user()
    config = container.config

    def links(campaign_id: int) -> Callable[[str], str]:
        return lambda url: touch_link(config.secret_key, config.base_url, campaign_id, BANNER, url)

    with container.uow() as uow:
        found = banner_for(
            uow.session, user.customer_id if user else None, _closed(), utcnow(), links
        )
        uow.commit()
    return found


def _closed() -> set[int]:
    kept = session.get(CLOSED)
    return {int(x) for x in kept if isinstance(x, int)} if isinstance(kept, list) else set()


@portal.context_processor
def banner_context() -> dict[str, Any]:
    return {"campaign_banner": campaign_banner}


@portal.get("/b/<token>")
@limiter.limit("120 per minute")
def banner_click(token: str) -> ResponseReturnValue:
    """A banner's tracked link: counted (for the signed-in customer), then redirected."""
    container = container_of()
    user = portal_user()
    with container.uow() as uow:
        try:
            url = record_touch_click(
                uow.session,
                container.config.secret_key,
                token,
                user.customer_id if user else None,
                utcnow(),
            )
        except BadToken:
            abort(404)
        uow.commit()
    return redirect(url, code=302)


@portal.post("/banner/<int:campaign_id>/dismiss")
@limiter.limit("30 per minute")
def banner_dismiss(campaign_id: int) -> ResponseReturnValue:
    """Close the banner: for good for a signed-in customer, for this browser otherwise."""
    user = portal_user()
    with container_of().uow() as uow:
        if not dismiss_banner(
            uow.session, campaign_id, user.customer_id if user else None, utcnow()
        ):
            abort(404)
        uow.commit()
    session[CLOSED] = sorted(_closed() | {campaign_id})[-20:]
    back = request.form.get("next") or ""
    # Only back into the help centre: never an open redirect.
    return redirect(back if back.startswith("/help") and "//" not in back else "/help")
