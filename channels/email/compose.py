"""Outbound MIME: a reply with threading headers, request token, text and HTML from templates."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from channels.email.html import sanitise_html
from channels.messages import OutboundMessage
from crm_core.db import utcnow

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"
_TOKEN = re.compile(r"\[SR-\d+\]", re.IGNORECASE)


class ReplyRenderer:
    """Renders templates/email/reply.{txt,html}; one Jinja environment per process."""

    def __init__(self, directory: Path = DEFAULT_TEMPLATES, request_url: str | None = None) -> None:
        # Where a customer reads a request online: this prefix and the request's id.
        self.request_url = request_url
        loader = jinja2.FileSystemLoader(str(directory))
        # Escape in .html templates only: the plain-text body would show &amp; to the reader.
        self._env = jinja2.Environment(
            loader=loader,
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            keep_trailing_newline=True,
        )

    def render(self, message: OutboundMessage, subject: str) -> tuple[str, str]:
        """(plain text, HTML) bodies of one outbound message."""
        values = {
            "text": message.text,
            "subject": subject,
            "reference": message.request_reference,
            "author_name": message.author_name,
            "automatic": message.automatic,
            "link": f"{self.request_url}{message.request_id}" if self.request_url else None,
        }
        text = self._env.get_template("reply.txt").render(values)
        body_html = sanitise_html(message.html) if message.html else _paragraphs(message.text)
        html = self._env.get_template("reply.html").render(
            values,
            body_html=Markup(body_html),  # noqa: S704  (nh3-sanitised or escaped above)
        )
        return text, html


def _paragraphs(text: str) -> str:
    blocks = [block for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return "".join(f"<p>{escape(block).replace(chr(10), Markup('<br>'))}</p>" for block in blocks)


def message_id_for(message: OutboundMessage, domain: str) -> str:
    """Our Message-ID (no brackets), deterministic so a retried job reuses it."""
    local = message.external_id or f"{message.request_reference.lower()}.m{message.message_id}"
    return local if "@" in local else f"{local}@{domain}"


def subject_with_token(subject: str | None, reference: str) -> str:
    """The subject carrying `[SR-1042]` exactly once."""
    subject = " ".join((subject or "").split()) or f"Your request {reference}"
    if _TOKEN.search(subject):
        return subject
    return f"{subject} [{reference}]"


def plus_address(address: str, reference: str) -> str:
    """support@example.com → support+SR-1042@example.com (threading rule 4)."""
    local, _, domain = address.partition("@")
    return f"{local.split('+')[0]}+{reference}@{domain}"


def compose_reply(
    message: OutboundMessage,
    from_address: str,
    renderer: ReplyRenderer,
    from_name: str | None = None,
) -> EmailMessage:
    """The full MIME message for one outbound reply."""
    domain = from_address.partition("@")[2] or "localhost"
    subject = subject_with_token(message.subject, message.request_reference)
    mail = EmailMessage()
    mail["From"] = Address(display_name=from_name or "", addr_spec=from_address)
    mail["To"] = Address(
        display_name=message.recipient.display_name or "", addr_spec=message.recipient.address
    )
    mail["Reply-To"] = plus_address(from_address, message.request_reference)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = f"<{message_id_for(message, domain)}>"
    _thread_headers(mail, message)
    # Exchange and others must not answer our mail with out-of-office notices.
    mail["X-Auto-Response-Suppress"] = "All"
    if message.automatic:
        mail["Auto-Submitted"] = "auto-replied"  # RFC 3834 5.2
    text, html = renderer.render(message, subject)
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    for item in message.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        mail.add_attachment(
            item.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=item.filename,
        )
    return mail


def _thread_headers(mail: EmailMessage, message: OutboundMessage) -> None:
    # OutboundMessage.references are newest first; the header lists oldest first (RFC 5322 3.6.4).
    chain = [ref for ref in reversed(message.references) if ref]
    if message.in_reply_to and message.in_reply_to not in chain:
        chain.append(message.in_reply_to)
    if message.in_reply_to:
        mail["In-Reply-To"] = f"<{message.in_reply_to}>"
    if chain:
        mail["References"] = " ".join(f"<{ref}>" for ref in chain[-20:])


def new_message_id(domain: str) -> str:
    """A fresh Message-ID on our domain (for mail not tied to a stored message)."""
    return make_msgid(domain=domain).strip("<>")


def compose_notice(
    recipient: str,
    subject: str,
    text: str,
    from_address: str,
    *,
    message_id: str,
    from_name: str | None = None,
) -> EmailMessage:
    """A plain automatic notice that belongs to no request (a confirmation link, say).

    No request token and no plus-addressed Reply-To: an answer to it opens nothing.
    """
    mail = EmailMessage()
    mail["From"] = Address(display_name=from_name or "", addr_spec=from_address)
    mail["To"] = recipient
    mail["Subject"] = subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = f"<{message_id}>"
    mail["X-Auto-Response-Suppress"] = "All"
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834 5.1: not a reply to anything
    mail.set_content(text)
    return mail
