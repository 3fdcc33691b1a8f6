"""Raw RFC 5322 bytes → InboundMessage, Ignored or Rejected; bounded in size, depth and time."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from email import policy
from email.feedparser import BytesFeedParser
from email.message import Message
from types import MappingProxyType

from channels.base import Ignored, ParseResult, Rejected
from channels.email.automated import detect_automated, is_own_address
from channels.email.decoding import address_header, header_text, message_ids
from channels.email.html import html_to_text, sanitise_html
from channels.email.mime import Extracted, StructureError, check_structure, extract
from channels.email.quotes import visible_reply
from channels.messages import AttachmentData, InboundMessage, Sender

_FEED_CHUNK = 64 * 1024
SYNTHETIC_ID_DOMAIN = "synthesised.invalid"


@dataclass(frozen=True)
class ParseLimits:
    """Bounds on the work one mail may cost; exceeding one quarantines the mail."""

    max_message_bytes: int = 60 * 1024 * 1024
    max_depth: int = 12
    max_parts: int = 500
    max_seconds: float = 5.0
    attachment_max_bytes: int = 25 * 1024 * 1024
    attachment_max_count: int = 50


class ParseTimeout(RuntimeError):
    """Parsing took longer than `ParseLimits.max_seconds`."""


def raw_digest(raw: bytes) -> str:
    """SHA-256 of the raw bytes (the intake ledger's key)."""
    return hashlib.sha256(raw).hexdigest()


def parse_mail(
    raw: bytes,
    limits: ParseLimits | None = None,
    own_addresses: frozenset[str] = frozenset(),
    classify: bool = True,
) -> ParseResult:
    """Parse one raw mail; never raises for bad input, says why instead.

    `classify=False` skips the automated-mail and own-address checks (benchmarks that
    compare header parsing on bounces too).
    """
    limits = limits or ParseLimits()
    if len(raw) > limits.max_message_bytes:
        return Rejected(f"too large: {len(raw)} bytes > {limits.max_message_bytes}")
    deadline = time.monotonic() + limits.max_seconds
    try:
        message = _feed(raw, deadline)
        if not message.get_all("From"):
            repaired = repair_header_block(raw)
            message = _feed(repaired, deadline) if repaired else message
        check_structure(message, limits.max_depth, limits.max_parts)
        return _interpret(raw, message, limits, own_addresses if classify else None, deadline)
    except (StructureError, ParseTimeout) as error:
        return Rejected(str(error))
    except RecursionError:
        return Rejected("too deeply nested: recursion limit")
    except Exception as error:  # the last line of defence: quarantine, never crash intake
        return Rejected(f"unparseable: {type(error).__name__}: {error}"[:500])


def _feed(raw: bytes, deadline: float) -> Message:
    # The feed parser does its work incrementally, so a deadline between chunks bounds it.
    # compat32 keeps headers as raw strings: policy.default's header objects cost ~70% of
    # parse time, and decoding.py decodes the few headers we read, defensively.
    parser = BytesFeedParser(policy=policy.compat32)
    for start in range(0, len(raw), _FEED_CHUNK):
        parser.feed(raw[start : start + _FEED_CHUNK])
        if time.monotonic() > deadline:
            raise ParseTimeout("parsing took too long")
    return parser.close()


_HEADER_FIELD = re.compile(rb"^[!-9;-~]{1,76}:")


def repair_header_block(raw: bytes) -> bytes | None:
    """Salvage a header block with junk before it or unindented continuation lines.

    Seen in the wild: a '---- Original email message ----' banner on line one, and
    folded lines whose leading whitespace a gateway stripped (RFC 5322 2.2.3).
    """
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        head, separator, body = raw.partition(b"\n\n")
    lines = head.splitlines()
    start = next((i for i, line in enumerate(lines) if _HEADER_FIELD.match(line)), None)
    if start is None:
        return None
    fixed = [lines[start]]
    for line in lines[start + 1 :]:
        fixed.append(line if _HEADER_FIELD.match(line) or line[:1] in b" \t" else b" " + line)
    return b"\r\n".join(fixed) + b"\r\n\r\n" + body


def _interpret(
    raw: bytes,
    message: Message,
    limits: ParseLimits,
    own_addresses: frozenset[str] | None,
    deadline: float,
) -> ParseResult:
    automated = detect_automated(message) if own_addresses is not None else None
    if automated is not None:
        return automated
    sender = _sender(message)
    if sender is None:
        return Rejected("no sender address (From, Sender, Reply-To)")
    if own_addresses is not None and is_own_address(sender.address, own_addresses):
        return Ignored(reason=f"mail from our own address {sender.address}")
    found = extract(message)
    if time.monotonic() > deadline:
        return Rejected("parsing took too long")
    return _build(raw, message, sender, found, limits)


def _sender(message: Message) -> Sender | None:
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        addresses = address_header(message, name)
        if addresses:
            display, address = addresses[0]
            return Sender(kind="email", address=address, display_name=display or None)
    return None


def _build(
    raw: bytes, message: Message, sender: Sender, found: Extracted, limits: ParseLimits
) -> InboundMessage:
    html = "\n".join(found.html) if found.html else None
    full = "\n\n".join(t.strip("\n") for t in found.plain if t.strip()) if found.plain else ""
    if not full.strip() and html:
        full = html_to_text(html)
    visible = visible_reply(full) if full.strip() else ""
    if found.forwarded:
        visible = "\n\n".join([visible, *found.forwarded]).strip()
        full = "\n\n".join([full, *found.forwarded]).strip()
    attachments, omitted = _limit_files(found, limits)
    extra = {"date": header_text(message, "Date"), "raw_sha256": raw_digest(raw)}
    if omitted:
        extra["omitted_attachments"] = "; ".join(omitted)
        visible = f"{visible}\n\n[Attachments not kept: {'; '.join(omitted)}]".strip()
    return InboundMessage(
        channel="email",
        external_id=_message_id(message, raw),
        sender=sender,
        text=visible,
        html=sanitise_html(html) if html else None,
        subject=header_text(message, "Subject") or None,
        references=_references(message),
        recipients=_recipients(message),
        attachments=attachments,
        original_text=full,
        extra=MappingProxyType(extra),
    )


def _limit_files(
    found: Extracted, limits: ParseLimits
) -> tuple[tuple[AttachmentData, ...], list[str]]:
    kept: list[AttachmentData] = []
    omitted: list[str] = []
    for file in found.files:
        if len(file.content) > limits.attachment_max_bytes:
            omitted.append(f"{file.filename} ({len(file.content)} bytes, over the size limit)")
        elif len(kept) >= limits.attachment_max_count:
            omitted.append(f"{file.filename} (over the limit of {limits.attachment_max_count})")
        else:
            kept.append(
                AttachmentData(
                    filename=file.filename,
                    content_type=file.content_type,
                    content=file.content,
                    inline=file.inline,
                    content_id=file.content_id,
                )
            )
    return tuple(kept), omitted


def _message_id(message: Message, raw: bytes) -> str:
    """The Message-ID without brackets; a stable synthetic one from the bytes when absent."""
    ids = message_ids(header_text(message, "Message-ID"))
    if ids:
        return ids[0][:900]
    value = header_text(message, "Message-ID").strip().strip("<>")
    if value and " " not in value:
        return value[:900]
    return f"{raw_digest(raw)[:40]}@{SYNTHETIC_ID_DOMAIN}"


def _references(message: Message) -> tuple[str, ...]:
    """In-Reply-To first, then References newest first (RFC 5322 3.6.4 lists oldest first)."""
    ordered: list[str] = []
    candidates = message_ids(header_text(message, "In-Reply-To"))
    candidates += list(reversed(message_ids(header_text(message, "References"))))
    for value in candidates:
        if value not in ordered:
            ordered.append(value)
    return tuple(ordered[:100])


def _recipients(message: Message) -> tuple[str, ...]:
    found: list[str] = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        for _, address in address_header(message, name):
            if address not in found:
                found.append(address)
    return tuple(found)
