"""The email adapter: the channel contract (verify / parse / send) for the desk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channels.base import ChannelNotConfigured, DeliveryRefused, ParseResult
from channels.email.compose import (
    ReplyRenderer,
    compose_notice,
    compose_reply,
    message_id_for,
)
from channels.email.models import AutomaticMailLog
from channels.email.parser import ParseLimits, parse_mail
from channels.email.smtp import SmtpSettings, submit
from channels.messages import OutboundMessage
from crm_core.db import utcnow

AUTOMATIC_PER_DAY = 5


class AutomaticMailCapped(DeliveryRefused):
    """An automatic notice was not sent: the recipient already got the daily maximum."""


class NoMailServer(ChannelNotConfigured):
    """No SMTP server or From address is configured (SERVICEDESK_MAIL_SMTP_URL, _FROM)."""


def automatic_mail_allowed(session: Session, recipient: str, limit: int) -> bool:
    """Whether one more automatic mail to `recipient` stays under `limit` per 24 hours."""
    since = utcnow() - timedelta(hours=24)
    query = select(func.count(AutomaticMailLog.id)).where(
        AutomaticMailLog.recipient == recipient.lower(), AutomaticMailLog.sent_at >= since
    )
    return int(session.scalar(query) or 0) < limit


@dataclass
class EmailAdapter:
    """Parses raw mail and sends replies over SMTP from `from_address`.

    Without SMTP settings it still parses (files, IMAP); sending is then refused.
    """

    smtp: SmtpSettings | None
    from_address: str
    from_name: str | None = None
    limits: ParseLimits = field(default_factory=ParseLimits)
    own_addresses: frozenset[str] = frozenset()
    sessions: Callable[[], Session] | None = None
    automatic_per_day: int = AUTOMATIC_PER_DAY
    renderer: ReplyRenderer = field(default_factory=ReplyRenderer)
    name: str = "email"

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        """Mail is pulled from our own IMAP server, never pushed: nothing to verify."""
        return True

    def parse(self, raw: bytes) -> ParseResult:
        ours = {self.from_address.lower()} if self.from_address else set()
        return parse_mail(raw, self.limits, self.own_addresses | ours)

    def send(self, message: OutboundMessage) -> str:
        """Submit the reply; returns its Message-ID, the same on every retry of one message."""
        if self.smtp is None or not self.from_address:
            # The words agents saw before the adapter was always registered.
            raise NoMailServer("no email adapter configured")
        if message.automatic and not self._claim_automatic(message.recipient.address):
            raise AutomaticMailCapped(
                f"{message.recipient.address} already got {self.automatic_per_day} "
                "automatic mails in 24 hours"
            )
        mail = compose_reply(message, self.from_address, self.renderer, self.from_name)
        submit(self.smtp, mail, [message.recipient.address])
        return message_id_for(message, self.from_address.partition("@")[2] or "localhost")

    def send_notice(self, recipient: str, subject: str, text: str, notice_id: str) -> str:
        """Send an automatic notice outside any request; returns its Message-ID.

        Counts against the recipient's daily cap of automatic mail, so nobody can use
        the desk to flood an inbox (with confirmation links, say).
        """
        if self.smtp is None or not self.from_address:
            raise NoMailServer("no email adapter configured")
        if not self._claim_automatic(recipient):
            raise AutomaticMailCapped(
                f"{recipient} already got {self.automatic_per_day} automatic mails in 24 hours"
            )
        domain = self.from_address.partition("@")[2] or "localhost"
        message_id = f"{notice_id}@{domain}"
        mail = compose_notice(
            recipient,
            subject,
            text,
            self.from_address,
            message_id=message_id,
            from_name=self.from_name,
        )
        submit(self.smtp, mail, [recipient])
        return message_id

    def _claim_automatic(self, recipient: str) -> bool:
        if self.sessions is None:
            return True
        with self.sessions() as session:
            if not automatic_mail_allowed(session, recipient, self.automatic_per_day):
                return False
            session.add(AutomaticMailLog(recipient=recipient.lower()))
            session.commit()
        return True


def adapter_from_settings(
    smtp_url: str | None,
    from_address: str | None,
    sessions: Callable[[], Session] | None = None,
    limits: ParseLimits | None = None,
    request_url: str | None = None,
) -> EmailAdapter:
    """The adapter for SERVICEDESK_MAIL_SMTP_URL / SERVICEDESK_MAIL_FROM (both optional).

    `request_url` is where customers read a request online (the id is appended); replies
    link to it.
    """
    return EmailAdapter(
        smtp=SmtpSettings.from_url(smtp_url) if smtp_url else None,
        from_address=(from_address or "").lower(),
        limits=limits or ParseLimits(),
        sessions=sessions,
        renderer=ReplyRenderer(request_url=request_url),
    )
