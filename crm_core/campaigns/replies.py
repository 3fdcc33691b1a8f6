"""Replies to campaign mail: the desk's email intake opens (or continues) a request with
the reply as with any mail, and tells the campaign here, which counts it as a response."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from crm_core.campaigns.models import Delivery

# The Message-ID every campaign mail carries (`compose.message_id`).
_CAMPAIGN_ID = re.compile(r"campaign-(\d+)\.(\d+)@")


def note_campaign_reply(
    session: Session, references: Iterable[str], customer_id: int, now: datetime
) -> int | None:
    """Mark the first reply to the campaign mail the message answers; the campaign's id.

    Only when the mail it names went to this very customer: a header is easily written,
    so a stranger quoting someone else's message id counts nothing."""
    for reference in references:
        found = _CAMPAIGN_ID.search(reference)
        if found is None:
            continue
        campaign_id, recipient = int(found.group(1)), int(found.group(2))
        if recipient != customer_id:
            return None
        session.execute(
            update(Delivery)
            .where(
                Delivery.campaign_id == campaign_id,
                Delivery.customer_id == customer_id,
                Delivery.replied_at.is_(None),
            )
            .values(replied_at=now)
        )
        return campaign_id
    return None
