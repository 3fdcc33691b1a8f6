"""Email intake: raw mail → the adapter's parse → the desk's one entry, nothing lost.

The email channel keeps its own records: the ledger of every raw mail decided (the same
bytes are decided once), the quarantine of what could not be read or stored (with the
reason, replayable), and bounce flags on the customers' email identities. The desk sees
only the `InboundMessage`, through the `DeskEntry` it is handed (channels never import
the desk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Literal, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from channels.base import ChannelAdapter, Ignored, ParseResult, Rejected
from channels.email.automated import Bounce, is_own_address
from channels.email.ledger import (
    BatchLedger,
    MailResult,
    decision_row,
    find_decided,
    remember,
    repeat_of,
)
from channels.email.models import Mailbox, QuarantinedMail
from channels.email.parser import ParseLimits, raw_digest
from channels.email.quarantine import quarantine_mail
from channels.messages import InboundMessage
from crm_core.customers import WHOLE_TRANSACTION_RETRIED, ChannelIdentity, IdentityKind
from crm_core.db import UnitOfWork, utcnow

DeskOutcome = Literal["created", "appended", "duplicate"]

# Mails per transaction in `ingest_in_batches`: a commit per mail cost ~10% of intake, and
# a larger batch holds SQLite's one write lock longer while the web process waits.
COMMIT_BATCH = 50


class Delivered(Protocol):
    """What the desk answers for one message (its `IntakeResult`)."""

    @property
    def outcome(self) -> DeskOutcome: ...

    @property
    def request_id(self) -> int: ...

    @property
    def reference(self) -> str: ...

    @property
    def thread_rule(self) -> str | None: ...


class DeskEntry(Protocol):
    """The desk's one intake door (`receive_inbound`, its router and attachments bound)."""

    def __call__(
        self, uow: UnitOfWork, message: InboundMessage, *, team_id: int | None
    ) -> Delivered: ...


@dataclass(frozen=True)
class EmailIntake:
    """The email adapter that parses, the desk entry that receives, and our own addresses.

    Built by the composition root; `own_addresses` are every mailbox's From (mail from
    them is ours, never a customer's), read when the intake is built.
    """

    adapter: ChannelAdapter
    deliver: DeskEntry
    own_addresses: frozenset[str] = frozenset()
    # The adapter's parse limits, for parsing in worker processes (the adapter itself holds
    # a session factory and templates, which do not travel); None: parse in this process.
    worker_limits: ParseLimits | None = None

    def parse(self, raw: bytes) -> ParseResult:
        """The adapter's parse; a message from one of our addresses is ignored."""
        return self.screen(self.adapter.parse(raw))

    def screen(self, parsed: ParseResult) -> ParseResult:
        """A message from one of our addresses is ignored (mail loops, our own notices)."""
        if isinstance(parsed, InboundMessage) and is_own_address(
            parsed.sender.address, self.own_addresses
        ):
            return Ignored(reason=f"mail from our own address {parsed.sender.address}")
        return parsed


def ingest_raw(
    uow: UnitOfWork,
    raw: bytes,
    intake: EmailIntake,
    source: str | None = None,
    mailbox_id: int | None = None,
) -> MailResult:
    """Decide on one raw mail; the same bytes are decided once. Does not commit."""
    return _ingest(uow, raw, lambda: intake.parse(raw), intake, source, mailbox_id)


def ingest_in_batches(
    uow_factory: Callable[[], UnitOfWork],
    mails: Iterable[tuple[str, bytes]],
    intake: EmailIntake,
    batch_size: int = COMMIT_BATCH,
    parse_workers: int = 0,
) -> Iterator[MailResult]:
    """Ingest (source, raw) pairs in order, committing every `batch_size` mails.

    Results are yielded only once their batch is committed: a crash mid-batch rolls the
    whole batch back, so nothing reported is lost and a rerun decides each mail once.
    With `parse_workers` (and `intake.worker_limits`), worker processes parse ahead while
    this process writes: on two cores, parsing leaves the critical path.
    """
    items: Iterator[tuple[str, bytes, ParseResult | None]]
    if parse_workers and intake.worker_limits is not None:
        from channels.email.pipeline import parse_ahead  # process pools only when asked

        items = parse_ahead(mails, intake.worker_limits, parse_workers)
    else:
        items = ((source, raw, None) for source, raw in mails)
    while chunk := list(islice(items, batch_size)):
        yield from _ingest_batch(uow_factory, chunk, intake)


def _ingest_batch(
    uow_factory: Callable[[], UnitOfWork],
    chunk: list[tuple[str, bytes, ParseResult | None]],
    intake: EmailIntake,
) -> list[MailResult]:
    """One committed transaction for the batch.

    First the desk gets each mail without a savepoint of its own (a savepoint and its
    flush cost about a tenth of intake). If it refuses one, that transaction is rolled
    back and the batch redone with a savepoint per mail: the refused mail is quarantined
    with the reason and the others are kept, as `ingest_raw` does for a single mail.
    """
    with uow_factory() as uow:
        # Nor does a new customer's identity need its own savepoint: a clash rolls back here.
        uow.session.info[WHOLE_TRANSACTION_RETRIED] = True
        try:
            results = _decide_batch(uow, chunk, intake, guarded=False)
            uow.session.flush()  # a refused row fails here, not in the commit that publishes
        except Exception:  # the desk refused a mail; leaving the block rolls back
            results = None
        finally:
            del uow.session.info[WHOLE_TRANSACTION_RETRIED]
        if results is not None:
            uow.commit()
            return results
    with uow_factory() as uow:
        results = _decide_batch(uow, chunk, intake, guarded=True)
        uow.commit()
    return results


def _decide_batch(
    uow: UnitOfWork,
    chunk: list[tuple[str, bytes, ParseResult | None]],
    intake: EmailIntake,
    guarded: bool,
) -> list[MailResult]:
    digests = [raw_digest(raw) for _source, raw, _p in chunk]  # once: a hash reads every byte
    ledger = BatchLedger(uow.session, digests)
    results = [
        _ingest_item(uow, item, digest, intake, ledger, guarded)
        for item, digest in zip(chunk, digests, strict=True)
    ]
    ledger.write(uow.session)
    return results


def _ingest_item(
    uow: UnitOfWork,
    item: tuple[str, bytes, ParseResult | None],
    digest: str,
    intake: EmailIntake,
    ledger: BatchLedger,
    guarded: bool,
) -> MailResult:
    source, raw, parsed = item
    screened = intake.screen(parsed) if parsed is not None else None
    parse = (lambda: screened) if screened is not None else (lambda: intake.parse(raw))
    return _ingest(uow, raw, parse, intake, source, None, ledger, guarded, digest)


def ingest_parsed(
    uow: UnitOfWork,
    raw: bytes,
    parsed: ParseResult,
    intake: EmailIntake,
    source: str | None = None,
    mailbox_id: int | None = None,
) -> MailResult:
    """`ingest_raw` for a mail parsed elsewhere (a parse worker process). Does not commit."""
    return _ingest(uow, raw, lambda: parsed, intake, source, mailbox_id)


def _ingest(
    uow: UnitOfWork,
    raw: bytes,
    parse: Callable[[], ParseResult],
    intake: EmailIntake,
    source: str | None,
    mailbox_id: int | None,
    ledger: BatchLedger | None = None,
    guarded: bool = True,
    digest: str | None = None,
) -> MailResult:
    digest = digest or raw_digest(raw)
    seen = ledger.find(digest) if ledger is not None else find_decided(uow.session, digest)
    if seen is not None:
        return repeat_of(seen)
    parsed = parse()
    if isinstance(parsed, Rejected):
        quarantine_mail(uow.session, raw, parsed.reason, source, mailbox_id)
        result = MailResult("quarantined", reason=parsed.reason)
    else:
        result = _decide(uow, raw, parsed, intake, source, mailbox_id, guarded)
    if ledger is not None:
        ledger.add(decision_row(digest, parsed, result, mailbox_id))
    else:
        remember(uow.session, digest, parsed, result, mailbox_id)
    return result


def _decide(
    uow: UnitOfWork,
    raw: bytes,
    parsed: InboundMessage | Ignored,
    intake: EmailIntake,
    source: str | None,
    mailbox_id: int | None,
    guarded: bool = True,
) -> MailResult:
    if isinstance(parsed, Ignored):
        if isinstance(parsed, Bounce):
            mark_bouncing(uow.session, parsed.failed_recipients)
        return MailResult("ignored", reason=parsed.reason)
    delivered = _deliver(uow, parsed, intake, mailbox_id, guarded)
    if isinstance(delivered, str):
        quarantine_mail(uow.session, raw, delivered, source, mailbox_id)
        return MailResult("quarantined", reason=delivered)
    omitted = parsed.extra.get("omitted_attachments")
    if omitted and delivered.outcome != "duplicate":
        # The request exists without the oversized files; the raw mail keeps them.
        note = f"attachments not kept: {omitted}"
        quarantine_mail(uow.session, raw, note, source, mailbox_id, outcome=delivered.outcome)
    return MailResult(
        delivered.outcome,
        delivered.request_id,
        delivered.reference,
        thread_rule=delivered.thread_rule,
    )


def _deliver(
    uow: UnitOfWork,
    message: InboundMessage,
    intake: EmailIntake,
    mailbox_id: int | None,
    guarded: bool = True,
) -> Delivered | str:
    """Hand the message to the desk inside a savepoint; the reason if the desk refused it.

    Unguarded (a batch's first try), the desk's error propagates: see `_ingest_batch`.
    """
    if not guarded:
        return intake.deliver(uow, message, team_id=_team_of(uow, mailbox_id))
    savepoint = uow.session.begin_nested()
    try:
        delivered = intake.deliver(uow, message, team_id=_team_of(uow, mailbox_id))
        savepoint.commit()
    except Exception as error:  # the desk refused it: keep the mail, never drop it
        savepoint.rollback()
        return f"intake failed: {type(error).__name__}: {error}"[:2000]
    return delivered


def _team_of(uow: UnitOfWork, mailbox_id: int | None) -> int | None:
    """The team a mailbox feeds, if the mail came through one."""
    mailbox = uow.session.get(Mailbox, mailbox_id) if mailbox_id is not None else None
    return mailbox.team_id if mailbox else None


def mark_bouncing(session: Session, addresses: tuple[str, ...]) -> int:
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
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def replay_quarantined(uow: UnitOfWork, quarantine_id: int, intake: EmailIntake) -> MailResult:
    """Run a quarantined mail through intake again (after a fix). Does not commit."""
    row = uow.session.get(QuarantinedMail, quarantine_id)
    if row is None:
        raise LookupError(f"no quarantined mail {quarantine_id}")
    ledger = find_decided(uow.session, row.raw_sha256)
    if ledger is not None and ledger.outcome == "quarantined":
        uow.session.delete(ledger)
        uow.session.flush()
    parsed = intake.parse(row.raw)
    if isinstance(parsed, Rejected):
        result = MailResult("quarantined", reason=parsed.reason)
        row.reason = parsed.reason
        remember(uow.session, row.raw_sha256, parsed, result, row.mailbox_id)
    elif ledger is not None and ledger.outcome != "quarantined":
        result = repeat_of(ledger)
    else:
        result = _decide(uow, row.raw, parsed, intake, row.source, row.mailbox_id)
        remember(uow.session, row.raw_sha256, parsed, result, row.mailbox_id)
    row.replayed_at = utcnow()
    row.outcome = result.outcome
    return result
