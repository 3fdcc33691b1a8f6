"""SMTP delivery and the `smtp[s]://user:pass@host:port[?starttls=1]` settings format."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to submit mail."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    starttls: bool = False
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Parse `smtp://`, `smtps://` (implicit TLS) or `smtp://...?starttls=1`."""
        parts = urlsplit(url)
        implicit = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["0"])[0].lower() in {"1", "true", "yes"}
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if implicit else 587 if starttls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            starttls=starttls,
        )


def submit(settings: SmtpSettings, mail: EmailMessage, recipients: list[str]) -> None:
    """Hand one message to the SMTP server; raises on any refusal."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.implicit_tls:
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.starttls:
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, settings.password or "")
        refused = client.send_message(mail, to_addrs=recipients)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
