"""Public endpoints that campaigns point at: open pixel, tracked links, unsubscribe.

Every token is HMAC-signed (crm_core.campaigns.tracking): a forged or altered one gets 404
and never a redirect. Rate limited, since anyone can call them.
"""

from __future__ import annotations

import base64
import contextlib

from flask import Response, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from crm_core.campaigns.touches import record_touch_click
from crm_core.campaigns.tracking import (
    UNSUBSCRIBE,
    BadToken,
    click_recipient,
    read_token,
    record_click,
    record_open,
    unsubscribe,
)
from crm_core.db import utcnow
from crm_core.sales.capture import LeadInvalid, record_campaign_response
from servicedesk.current import container_of
from servicedesk.extensions import csrf, limiter
from servicedesk.web.marketing.blueprint import marketing
from servicedesk.web.portal.session import portal_user

LIMIT = "120 per minute"
# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@marketing.get("/t/o/<token>.gif")
@limiter.limit(LIMIT)
def open_pixel(token: str) -> ResponseReturnValue:
    container = container_of()
    with container.uow() as uow:
        try:
            record_open(uow.session, container.config.secret_key, token)
            uow.commit()
        except BadToken:
            pass  # a forged pixel still gets a pixel, and counts nothing
    return Response(PIXEL, mimetype="image/gif", headers={"Cache-Control": "no-store"})


@marketing.get("/t/c/<token>")
@limiter.limit(LIMIT)
def click(token: str) -> ResponseReturnValue:
    container = container_of()
    with container.uow() as uow:
        try:
            url = record_click(uow.session, container.config.secret_key, token)
        except BadToken:
            abort(404)
        _note_response(uow.session, container.config.secret_key, token)
        uow.commit()
    return redirect(url, code=302)


def _note_response(session: Session, secret: str, token: str) -> None:
    """A click is a campaign response: the sales work logs it on the person's lead (one is
    captured from the address when there is none) and re-scores it."""
    recipient = click_recipient(session, secret, token)
    if recipient is None:
        return
    campaign_id, email = recipient
    with contextlib.suppress(LeadInvalid):
        record_campaign_response(session, campaign_id, email=email)


@marketing.route("/u/<token>", methods=["GET", "POST"])
@csrf.exempt  # type: ignore[misc]  # RFC 8058: mail providers POST without our form
@limiter.limit(LIMIT)
def unsubscribe_page(token: str) -> ResponseReturnValue:
    """GET shows a button (link scanners must not unsubscribe anyone); POST unsubscribes."""
    container = container_of()
    if request.method == "GET":
        try:
            read_token(container.config.secret_key, UNSUBSCRIBE, token)
        except BadToken:
            abort(404)
        return render_template("marketing/unsubscribe.html", token=token, done=False)
    with container.uow() as uow:
        try:
            unsubscribe(uow.session, container.config.secret_key, token)
        except BadToken:
            abort(404)
        uow.commit()
    return render_template("marketing/unsubscribe.html", token=token, done=True)


@marketing.get("/t/l/<token>")
@limiter.limit(LIMIT)
def touch_click(token: str) -> ResponseReturnValue:
    """A tracked link of a Slack announcement: counted per channel, then redirected; for
    the customer when this browser is signed in to the help centre (Slack does not say
    who clicked)."""
    container = container_of()
    user = portal_user()
    customer_id = user.customer_id if user else None
    with container.uow() as uow:
        try:
            url = record_touch_click(
                uow.session, container.config.secret_key, token, customer_id, utcnow()
            )
        except BadToken:
            abort(404)
        uow.commit()
    return redirect(url, code=302)
