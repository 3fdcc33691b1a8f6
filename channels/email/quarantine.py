"""Quarantine: mail the parser refused, kept raw with the reason, listable and replayable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header, make_header

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channels.email.models import IngestedMail, QuarantinedMail
from channels.email.parser import raw_digest


@dataclass(frozen=True)
class QuarantineEntry:
    """One row of the console's quarantine list (without the raw bytes)."""

    id: int
    reason: str
    source: str | None
    size: int
    created_at: datetime
    replayed_at: datetime | None
    outcome: str | None
    subject_hint: str


@dataclass(frozen=True)
class QuarantineDetail:
    """One quarantined mail for the console: its headers as sent and where it ended up."""

    entry: QuarantineEntry
    headers: list[tuple[str, str]]
    request_id: int | None
    reference: str | None


def quarantine_mail(
    session: Session,
    raw: bytes,
    reason: str,
    source: str | None = None,
    mailbox_id: int | None = None,
    outcome: str | None = None,
) -> QuarantinedMail:
    """Keep a raw mail with the reason. Does not commit."""
    row = QuarantinedMail(
        raw=raw,
        raw_sha256=raw_digest(raw),
        reason=reason[:2000],
        source=(source or None) and source[:255],
        mailbox_id=mailbox_id,
        outcome=outcome,
    )
    session.add(row)
    session.flush()
    return row


def list_quarantine(
    session: Session, limit: int = 50, offset: int = 0, pending_only: bool = False
) -> tuple[list[QuarantineEntry], int]:
    """A page of quarantined mails, newest first, and the total count."""
    query = select(QuarantinedMail)
    if pending_only:
        query = query.where(QuarantinedMail.replayed_at.is_(None))
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(
        query.order_by(QuarantinedMail.id.desc()).limit(limit).offset(offset)
    ).all()
    return [_entry(row) for row in rows], total


def _entry(row: QuarantinedMail) -> QuarantineEntry:
    return QuarantineEntry(
        id=row.id,
        reason=row.reason,
        source=row.source,
        size=len(row.raw),
        created_at=row.created_at,
        replayed_at=row.replayed_at,
        outcome=row.outcome,
        subject_hint=_subject_hint(row.raw),
    )


def _subject_hint(raw: bytes) -> str:
    """The Subject line as written, for the list; no MIME parsing of a mail that broke it."""
    for line in raw[:65536].splitlines():
        if not line.strip():
            break
        if line.lower().startswith(b"subject:"):
            return line[8:].decode("utf-8", "replace").strip()[:200]
    return ""


def quarantine_detail(session: Session, quarantine_id: int) -> QuarantineDetail | None:
    """Headers, size and the request the intake ledger links it to (after a replay)."""
    row = session.get(QuarantinedMail, quarantine_id)
    if row is None:
        return None
    ledger = session.scalars(
        select(IngestedMail).where(IngestedMail.raw_sha256 == row.raw_sha256)
    ).first()
    return QuarantineDetail(
        entry=_entry(row),
        headers=header_lines(row.raw),
        request_id=ledger.request_id if ledger else None,
        reference=ledger.reference if ledger else None,
    )


def quarantined_raw(session: Session, quarantine_id: int) -> bytes | None:
    """The mail exactly as received."""
    row = session.get(QuarantinedMail, quarantine_id)
    return row.raw if row is not None else None


def header_lines(raw: bytes, limit: int = 200) -> list[tuple[str, str]]:
    """Unfolded header fields, encoded words decoded where they decode; never raises.

    Read line by line rather than with the email parser: these mails broke the parser.
    """
    fields: list[list[str]] = []
    for line in raw[:65536].splitlines():
        if not line.strip():
            break
        text = line.decode("utf-8", "replace")
        if text[:1] in (" ", "\t") and fields:
            fields[-1][1] += " " + text.strip()
        elif ":" in text and len(fields) < limit:
            name, _, value = text.partition(":")
            fields.append([name.strip(), value.strip()])
    return [(name, _decoded(value)) for name, value in fields]


def _decoded(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError):
        return value
