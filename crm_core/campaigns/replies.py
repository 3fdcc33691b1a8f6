"""Replies to campaign mail: the desk's email intake opens (or continues) a request with
the reply as with any mail, and tells the campaign here, which counts it as a response.

A reply that asks nothing of us ("Thanks!", "Great, see you there") still lands on a
request, so nothing is lost and a later mail continues it, but the desk files that request
as solved instead of leaving it in the inbox (`asks_for_help`)."""

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


# The words of a reply that only acknowledges, in the languages the desk routes. A reply
# asks nothing only when every word of it is one of these: anything else (a name, "broken",
# "order") keeps its request open, the safe side of the guess.
_ACKNOWLEDGING_WORDS = """
    thanks thank you thx ty cheers great ok okay fine perfect noted received awesome nice
    cool good sounds will do got it see there look forward to for the this that mail email
    info information offer news much very so a lot again and all best regards kind
    danke schön vielen dank super prima gut alles klar merci beaucoup parfait bien reçu
    gracias muchas perfecto vale grazie mille 谢谢 多谢 好的 收到"""
_ACKNOWLEDGING = frozenset(_ACKNOWLEDGING_WORDS.split())
_WORD = re.compile(r"\w+")


def asks_for_help(text: str) -> bool:
    """Whether a reply's visible text asks anything of us: False only for a reply without a
    question mark whose every word acknowledges ("Thanks!", "Great, will do")."""
    if "?" in text or "\uff1f" in text:  # the full-width question mark of Chinese text
        return True
    words = [word.lower() for word in _WORD.findall(text)]
    return not words or not _ACKNOWLEDGING.issuperset(words)
