"""Signed webhooks: the body is JSON, signed with HMAC-SHA256 over `timestamp.body`.

Receivers recompute `sha256=HEX(HMAC(secret, f"{timestamp}.{body}"))`, compare it with the
`X-Servicedesk-Signature` header in constant time, and refuse old timestamps (replays),
as Slack and Stripe do for theirs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm_core.db import UnitOfWork
from servicedesk.desk.automation.models import AutomationRule, WebhookCall

SIGNATURE_HEADER = "X-Servicedesk-Signature"
TIMESTAMP_HEADER = "X-Servicedesk-Timestamp"
Post = Callable[[str, bytes, dict[str, str]], int]  # url, body, headers -> HTTP status


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(secret: str, timestamp: int, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def send_webhook(
    uow_factory: Callable[[], UnitOfWork], call_id: int, now: datetime, post: Post
) -> str:
    """Send a stored call once: a call already sent is not sent again (the job may rerun)."""
    with uow_factory() as uow:
        call = uow.session.get(WebhookCall, call_id)
        if call is None or call.status == "sent":
            return "skipped"
        body = json.dumps(call.payload, sort_keys=True).encode()
        timestamp = int(now.timestamp())
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(timestamp)}
        secret = _secret(uow, call)
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
        url = call.url
    status = post(url, body, headers)
    with uow_factory() as uow:
        stored = uow.session.get(WebhookCall, call_id)
        assert stored is not None
        stored.status, stored.response_code = ("sent" if 200 <= status < 300 else "failed"), status
        uow.commit()
    if not 200 <= status < 300:
        raise RuntimeError(f"webhook {url} answered {status}")  # the queue retries
    return "sent"


def _secret(uow: UnitOfWork, call: WebhookCall) -> str | None:
    rule = uow.session.scalars(
        select(AutomationRule).where(AutomationRule.name == call.payload.get("rule"))
    ).first()
    if rule is None:
        return None
    for action in rule.definition.get("actions") or []:
        value: Any = action.get("webhook") if isinstance(action, dict) else None
        if isinstance(value, dict) and value.get("url") == call.url:
            return str(value.get("secret") or "") or None
    return None
