"""Mail intake: raw mail → parse → desk intake → ledger (and checkpoint), in one unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select, update

from channels.base import Ignored, ParseResult, Rejected
from channels.email.automated import Bounce
from channels.email.models import IngestedMail, Mailbox, MailCheckpoint, QuarantinedMail
from channels.email.parser import ParseLimits, parse_mail, raw_digest
from channels.email.quarantine import quarantine_mail
from channels.messages import InboundMessage
from crm_core.customers import ChannelIdentity, IdentityKind
from crm_core.db import UnitOfWork, utcnow
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.operations import receive_inbound
from servicedesk.desk.ports import RequestRouter

MailOutcome = Literal["created", "appended", "duplicate", "ignored", "quarantined"]
_STORED = ("created", "appended", "duplicate")


@dataclass(frozen=True)
class MailResult:
    """What happened to one raw mail (the `mail ingest --json` line)."""

    outcome: MailOutcome
    request_id: int | None = None
    reference: str | None = None
    reason: str | None = None
    thread_rule: str | None = None

    def as_json(self, file: str) -> dict[str, object]:
        return {
            "file": file,
            "outcome": self.outcome,
            "request_id": self.request_id,
            "reference": self.reference,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MailIntakeSettings:
    """The collaborators intake needs; built once per process by the composition root."""

    limits: ParseLimits = field(default_factory=ParseLimits)
    own_addresses: frozenset[str] = frozenset()
    attachments: AttachmentStore | None = None
    router: RequestRouter | None = None


def ingest_raw(
    uow: UnitOfWork,
    raw: bytes,
    settings: MailIntakeSettings,
    source: str | None = None,
    mailbox_id: int | None = None,
) -> MailResult:
    """Decide on one raw mail; the same bytes are decided once. Does not commit."""
    parse = lambda: parse_mail(raw, settings.limits, settings.own_addresses)  # noqa: E731
    return _ingest(uow, raw, parse, settings, source, mailbox_id)


def ingest_parsed(
    uow: UnitOfWork,
    raw: bytes,
    parsed: ParseResult,
    settings: MailIntakeSettings,
    source: str | None = None,
    mailbox_id: int | None = None,
) -> MailResult:
    """`ingest_raw` for a mail parsed elsewhere (a parse worker process). Does not commit."""
    return _ingest(uow, raw, lambda: parsed, settings, source, mailbox_id)


def _ingest(
    uow: UnitOfWork,
    raw: bytes,
    parse: Callable[[], ParseResult],
    settings: MailIntakeSettings,
    source: str | None,
    mailbox_id: int | None,
) -> MailResult:
    digest = raw_digest(raw)
    seen = _ledger(uow, digest)
    if seen is not None:
        return _repeat(seen)
    parsed = parse()
    if isinstance(parsed, Rejected):
        quarantine_mail(uow.session, raw, parsed.reason, source, mailbox_id)
        result = MailResult("quarantined", reason=parsed.reason)
    else:
        result = _decide(uow, raw, parsed, settings, source, mailbox_id)
    _remember(uow, digest, parsed, result, mailbox_id)
    return result


def _ledger(uow: UnitOfWork, digest: str) -> IngestedMail | None:
    query = select(IngestedMail).where(IngestedMail.raw_sha256 == digest)
    return uow.session.scalars(query).first()


def _repeat(seen: IngestedMail) -> MailResult:
    outcome: MailOutcome = "duplicate" if seen.outcome in _STORED else seen.outcome  # type: ignore[assignment]
    return MailResult(outcome, seen.request_id, seen.reference, seen.reason)


def _decide(
    uow: UnitOfWork,
    raw: bytes,
    parsed: InboundMessage | Ignored,
    settings: MailIntakeSettings,
    source: str | None,
    mailbox_id: int | None,
) -> MailResult:
    if isinstance(parsed, Ignored):
        if isinstance(parsed, Bounce):
            mark_bouncing(uow, parsed.failed_recipients)
        return MailResult("ignored", reason=parsed.reason)
    savepoint = uow.session.begin_nested()
    try:
        mailbox = uow.session.get(Mailbox, mailbox_id) if mailbox_id is not None else None
        intake = receive_inbound(
            uow,
            parsed,
            router=settings.router,
            attachments=settings.attachments,
            team_id=mailbox.team_id if mailbox else None,
        )
        savepoint.commit()
    except Exception as error:  # the desk refused it: keep the mail, never drop it
        savepoint.rollback()
        reason = f"intake failed: {type(error).__name__}: {error}"[:2000]
        quarantine_mail(uow.session, raw, reason, source, mailbox_id)
        return MailResult("quarantined", reason=reason)
    omitted = parsed.extra.get("omitted_attachments")
    if omitted and intake.outcome != "duplicate":
        # The request exists without the oversized files; the raw mail keeps them.
        note = f"attachments not kept: {omitted}"
        quarantine_mail(uow.session, raw, note, source, mailbox_id, outcome=intake.outcome)
    return MailResult(
        intake.outcome, intake.request_id, intake.reference, thread_rule=intake.thread_rule
    )


def _remember(
    uow: UnitOfWork,
    digest: str,
    parsed: object,
    result: MailResult,
    mailbox_id: int | None,
) -> None:
    message_id = parsed.external_id if isinstance(parsed, InboundMessage) else None
    uow.session.add(
        IngestedMail(
            raw_sha256=digest,
            message_id=message_id,
            outcome=result.outcome,
            request_id=result.request_id,
            reference=result.reference,
            reason=result.reason,
            mailbox_id=mailbox_id,
        )
    )


def mark_bouncing(uow: UnitOfWork, addresses: tuple[str, ...]) -> int:
    """Flag the customers' email identities that bounced; returns how many were flagged."""
    if not addresses:
        return 0
    statement = (
        update(ChannelIdentity)
        .where(
            ChannelIdentity.kind == IdentityKind.EMAIL,
            ChannelIdentity.address.in_([a.lower() for a in addresses]),
        )
        .values(bouncing=True)
    )
    return int(uow.session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def replay_quarantined(
    uow: UnitOfWork, quarantine_id: int, settings: MailIntakeSettings
) -> MailResult:
    """Run a quarantined mail through intake again (after a fix). Does not commit."""
    row = uow.session.get(QuarantinedMail, quarantine_id)
    if row is None:
        raise LookupError(f"no quarantined mail {quarantine_id}")
    ledger = uow.session.scalars(
        select(IngestedMail).where(IngestedMail.raw_sha256 == row.raw_sha256)
    ).first()
    if ledger is not None and ledger.outcome == "quarantined":
        uow.session.delete(ledger)
        uow.session.flush()
    parsed = parse_mail(row.raw, settings.limits, settings.own_addresses)
    if isinstance(parsed, Rejected):
        result = MailResult("quarantined", reason=parsed.reason)
        row.reason = parsed.reason
        _remember(uow, row.raw_sha256, parsed, result, row.mailbox_id)
    elif ledger is not None and ledger.outcome != "quarantined":
        result = _repeat(ledger)
    else:
        result = _decide(uow, row.raw, parsed, settings, row.source, row.mailbox_id)
        _remember(uow, row.raw_sha256, parsed, result, row.mailbox_id)
    row.replayed_at = utcnow()
    row.outcome = result.outcome
    return result


@dataclass
class MailboxIntake:
    """The IMAP listener's sink: each mail and its checkpoint commit together."""

    uow_factory: Callable[[], UnitOfWork]
    mailbox_id: int
    folder: str
    settings: MailIntakeSettings
    on_result: Callable[[int, MailResult], None] | None = None

    def checkpoint(self) -> tuple[int, int] | None:
        with self.uow_factory() as uow:
            row = self._row(uow)
            return (row.uidvalidity, row.last_uid) if row is not None else None

    def handle(self, uidvalidity: int, uid: int, raw: bytes) -> None:
        with self.uow_factory() as uow:
            source = f"imap:{self.mailbox_id}:{self.folder}:{uidvalidity}:{uid}"
            result = ingest_raw(uow, raw, self.settings, source, self.mailbox_id)
            row = self._row(uow)
            if row is None:
                row = MailCheckpoint(mailbox_id=self.mailbox_id, folder=self.folder)
                uow.session.add(row)
            if row.uidvalidity != uidvalidity:
                row.uidvalidity, row.last_uid = uidvalidity, 0
            row.last_uid = max(row.last_uid or 0, uid)
            uow.commit()
        if self.on_result is not None:
            self.on_result(uid, result)

    def _row(self, uow: UnitOfWork) -> MailCheckpoint | None:
        query = select(MailCheckpoint).where(
            MailCheckpoint.mailbox_id == self.mailbox_id, MailCheckpoint.folder == self.folder
        )
        return uow.session.scalars(query).first()
