"""Signed tokens for the open pixel, tracked links and one-click unsubscribe.

Tokens are HMAC-signed with the app secret (itsdangerous); a token whose signature does
not verify is refused, so a tracked link can only redirect to a URL we signed.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update
from sqlalchemy.orm import Session

from crm_core.campaigns.eligibility import suppress
from crm_core.campaigns.models import Delivery
from crm_core.db import utcnow

OPEN, CLICK, UNSUBSCRIBE = "campaign-open", "campaign-click", "campaign-unsubscribe"


class BadToken(ValueError):
    """The token was forged, altered or is for another purpose."""


def make_token(secret: str, purpose: str, payload: object) -> str:
    return str(URLSafeSerializer(secret, salt=purpose).dumps(payload))


def read_token(secret: str, purpose: str, token: str) -> object:
    try:
        return URLSafeSerializer(secret, salt=purpose).loads(token)
    except BadSignature as error:
        raise BadToken(purpose) from error


def record_open(session: Session, secret: str, token: str) -> int:
    """Note the first open of the delivery the pixel token names; returns its id."""
    delivery_id = _delivery_id(read_token(secret, OPEN, token))
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.opened_at.is_(None))
        .values(opened_at=utcnow())
    )
    return delivery_id


def record_click(session: Session, secret: str, token: str) -> str:
    """Note the click (a click is an open too) and return the signed target URL."""
    payload = read_token(secret, CLICK, token)
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], str)):
        raise BadToken(CLICK)
    delivery_id, url = _delivery_id(payload[0]), payload[1]
    if not url.startswith(("https://", "http://")):
        raise BadToken(CLICK)
    now = utcnow()
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.clicked_at.is_(None))
        .values(clicked_at=now)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.opened_at.is_(None))
        .values(opened_at=now)
    )
    return url


def click_recipient(session: Session, secret: str, token: str) -> tuple[int, str] | None:
    """The campaign and the address a (valid) click token's mail went to."""
    try:
        payload = read_token(secret, CLICK, token)
    except BadToken:
        return None
    if not isinstance(payload, list) or not payload:
        return None
    delivery = session.get(Delivery, _delivery_id(payload[0]))
    return (delivery.campaign_id, delivery.email) if delivery and delivery.email else None


def unsubscribe(session: Session, secret: str, token: str) -> str:
    """Suppress the address the token's delivery went to; returns the address."""
    delivery = session.get(Delivery, _delivery_id(read_token(secret, UNSUBSCRIBE, token)))
    if delivery is None:
        raise BadToken(UNSUBSCRIBE)
    suppress(session, delivery.email, "unsubscribed", delivery.campaign_id)
    return delivery.email


def _delivery_id(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadToken("payload")
    return value
