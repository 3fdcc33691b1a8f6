"""Touches of Slack posts and banners: signed click links, impressions, dismissals.

A click token names the campaign, where the link was shown ("banner", "slack:<channel>")
and the target URL; it is HMAC-signed like the mail's (`tracking`), so a forged or
altered token is refused and never redirects anywhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.campaigns.models import Campaign, Touch, TouchKind
from crm_core.campaigns.tracking import BadToken, make_token, read_token

TOUCH_CLICK = "campaign-touch-click"
# The public paths of the redirects: a Slack post's (servicedesk/web/marketing/
# tracking_views.py) and a banner's, in the help centre, which knows who is signed in.
TOUCH_CLICK_PATH, BANNER_CLICK_PATH = "/marketing/t/l/", "/help/b/"
BANNER = "banner"


def slack_source(channel: str) -> str:
    return f"slack:{channel}"


def touch_link(secret: str, base_url: str, campaign_id: int, source: str, url: str) -> str:
    """The signed redirect that counts a click on `url` for the campaign."""
    token = make_token(secret, TOUCH_CLICK, [campaign_id, source, url])
    path = BANNER_CLICK_PATH if source == BANNER else TOUCH_CLICK_PATH
    return f"{base_url.rstrip('/')}{path}{token}"


def record_touch_click(
    session: Session, secret: str, token: str, customer_id: int | None, now: datetime
) -> str:
    """Count the click (for the signed-in customer, when there is one); the target URL."""
    payload = read_token(secret, TOUCH_CLICK, token)
    if not (isinstance(payload, list) and len(payload) == 3):
        raise BadToken(TOUCH_CLICK)
    campaign_id, source, url = payload
    if not isinstance(campaign_id, int) or not isinstance(source, str) or not isinstance(url, str):
        raise BadToken(TOUCH_CLICK)
    if not url.startswith(("https://", "http://")) or session.get(Campaign, campaign_id) is None:
        raise BadToken(TOUCH_CLICK)
    add_touch(session, campaign_id, TouchKind.CLICK, source, customer_id, now)
    return url


def add_touch(
    session: Session,
    campaign_id: int,
    kind: TouchKind,
    source: str,
    customer_id: int | None,
    now: datetime,
) -> None:
    session.add(
        Touch(campaign_id=campaign_id, kind=kind, source=source, customer_id=customer_id, at=now)
    )
    session.flush()


def dismissed_by(session: Session, customer_id: int) -> set[int]:
    """The campaigns whose banner this customer closed."""
    return set(
        session.scalars(
            select(Touch.campaign_id).where(
                Touch.customer_id == customer_id, Touch.kind == TouchKind.DISMISS
            )
        )
    )
