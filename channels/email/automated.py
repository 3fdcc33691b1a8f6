"""Recognise mail written by machines (RFC 3834 auto-replies, RFC 3464 DSNs, ARF reports)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_string
from email.message import Message

from channels.base import Ignored
from channels.email.decoding import address_header, decode_text, header_text, parse_addresses


@dataclass(frozen=True)
class Bounce(Ignored):
    """A delivery failure report; `failed_recipients` are the addresses that bounced."""

    failed_recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Complaint(Bounce):
    """A recipient reported our mail as spam (an RFC 5965 ARF feedback report): treated as
    a bounce, so the address is flagged and campaign mail stops going to it."""


_ORIGINAL_RCPT = re.compile(r"^original-rcpt-to\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matische)? ?(reply|antwort)|auto:|out of (the )?office|"
    r"abwesenheitsnotiz|réponse automatique|respuesta automática|autoreply)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliver(ed|able)|delivery status notification|mail delivery failed|"
    r"returned mail|delivery failure|failure notice|non[- ]?delivery|unzustellbar)",
    re.IGNORECASE,
)
_DAEMON_LOCALPARTS = ("mailer-daemon", "postmaster", "mail-daemon")
_RECIPIENT_FIELD = re.compile(
    r"^(final|original)-recipient\s*:\s*(?:rfc822\s*;)?\s*(\S+)", re.IGNORECASE | re.MULTILINE
)
_ACTION_FAILED = re.compile(r"^action\s*:\s*failed", re.IGNORECASE | re.MULTILINE)


def detect_automated(message: Message) -> Ignored | None:
    """Why this mail must be ignored and never answered, or None for a human's mail."""
    report = _report_type(message)
    if report == "delivery-status" or _looks_like_bounce(message):
        failed = _failed(message)
        return Bounce(reason="bounce (delivery status notification)", failed_recipients=failed)
    if report == "feedback-report":
        return Complaint(
            reason="complaint (ARF feedback report)", failed_recipients=_complained(message)
        )
    if report:
        return Ignored(reason=f"automated report ({report})")
    auto_submitted = header_text(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return Ignored(reason=f"Auto-Submitted: {auto_submitted} (RFC 3834)")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autorespond-To"):
        if header_text(message, name):
            return Ignored(reason=f"{name} header")
    precedence = header_text(message, "Precedence").lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return Ignored(reason=f"Precedence: {precedence}")
    subject = header_text(message, "Subject")
    suppress = header_text(message, "X-Auto-Response-Suppress")
    if _AUTO_SUBJECT.match(subject) and (header_text(message, "List-Id") or suppress):
        return Ignored(reason="auto-reply (subject with List-Id or X-Auto-Response-Suppress)")
    return None


def _report_type(message: Message) -> str:
    if message.get_content_type() != "multipart/report":
        return ""
    try:
        report = str(message.get_param("report-type", "") or "")
    except Exception:  # malformed parameters
        report = ""
    return report.strip('"').lower() or "unknown"


def _looks_like_bounce(message: Message) -> bool:
    subject_says_so = bool(_BOUNCE_SUBJECT.match(header_text(message, "Subject")))
    failed_header = bool(header_text(message, "X-Failed-Recipients"))
    if not (subject_says_so or failed_header):
        return False  # most mail: its From need not be parsed here (the sender is, later)
    if subject_says_so and header_text(message, "Return-Path").strip() == "<>":
        return True
    senders = [address for _, address in address_header(message, "From")]
    return any(a.split("@")[0] in _DAEMON_LOCALPARTS for a in senders)


def _failed(message: Message) -> tuple[str, ...]:
    """Addresses that failed: X-Failed-Recipients (Exim) and failed DSN per-recipient fields."""
    found = [a for _, a in parse_addresses([header_text(message, "X-Failed-Recipients")])]
    for part in message.walk():
        if part.get_content_type() not in ("message/delivery-status", "text/delivery-status"):
            continue
        for text in _delivery_status_texts(part):
            for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
                if not _ACTION_FAILED.search(block):
                    continue
                for match in _RECIPIENT_FIELD.finditer(block):
                    address = match.group(2).strip("<>;").lower()
                    if "@" in address and address not in found:
                        found.append(address)
    return tuple(found)


def _complained(message: Message) -> tuple[str, ...]:
    """Who complained: Original-Rcpt-To of the report (RFC 5965 3.2), else the To of the
    returned message or its headers."""
    found: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/feedback-report":
            for text in _delivery_status_texts(part):
                found += [m.group(1).strip("<>;").lower() for m in _ORIGINAL_RCPT.finditer(text)]
        elif kind == "message/rfc822" and not found:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found += [a.lower() for _, a in address_header(inner[0], "To")]
        elif kind == "text/rfc822-headers" and not found:
            raw = part.get_payload(decode=True)
            headers = (
                message_from_string(decode_text(raw, "utf-8")) if isinstance(raw, bytes) else None
            )
            found += [a.lower() for _, a in address_header(headers, "To")] if headers else []
    return tuple(dict.fromkeys(a for a in found if "@" in a))


def _delivery_status_texts(part: Message) -> list[str]:
    # The stdlib parses message/delivery-status into a list of header blocks (RFC 3464 2.1).
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = [block for block in payload if isinstance(block, Message)]
        return ["\n".join(f"{k}: {v}" for k, v in block.items()) for block in blocks]
    raw = part.get_payload(decode=True)
    return [decode_text(raw, "utf-8")] if isinstance(raw, bytes) else []


def is_own_address(address: str, own_addresses: frozenset[str]) -> bool:
    """Whether `address` (any +tag variant) is one of the desk's own addresses."""
    local, _, domain = address.lower().partition("@")
    return address.lower() in own_addresses or f"{local.split('+')[0]}@{domain}" in own_addresses
