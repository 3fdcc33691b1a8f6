"""The intake ledger: every raw mail decided, keyed by the SHA-256 of its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session

from channels.base import ParseResult
from channels.email.models import IngestedMail
from channels.messages import InboundMessage
from crm_core.db import utcnow

MailOutcome = Literal["created", "appended", "duplicate", "ignored", "quarantined"]
_STORED = ("created", "appended", "duplicate")

# Built once: every mail is looked up here before anything else.
_BY_DIGEST = select(IngestedMail).where(IngestedMail.raw_sha256 == bindparam("digest"))


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


def find_decided(session: Session, digest: str) -> IngestedMail | None:
    """The ledger row of these bytes, if they were decided before."""
    return session.scalars(_BY_DIGEST, {"digest": digest}).first()


_LEDGER: Table = IngestedMail.__table__  # type: ignore[assignment]
_LEDGER_COLUMNS = tuple(column.key for column in _LEDGER.columns if column.key != "id")
_BY_DIGESTS = select(IngestedMail).where(
    IngestedMail.raw_sha256.in_(bindparam("digests", expanding=True))
)


class BatchLedger:
    """The ledger as one batch sees it: its digests' rows read in one query, plus the rows
    the batch itself decides (the same bytes twice in a batch are decided once).

    One query per batch instead of one per mail, and the batch's new rows are inserted
    together at its end (`write`, one executemany): no flush of a lone ledger row before
    each mail's first query.
    """

    def __init__(self, session: Session, digests: list[str]) -> None:
        found = list(session.scalars(_BY_DIGESTS, {"digests": digests})) if digests else []
        self._rows: dict[str, IngestedMail] = {row.raw_sha256: row for row in found}
        self._new: list[IngestedMail] = []

    def find(self, digest: str) -> IngestedMail | None:
        return self._rows.get(digest)

    def add(self, row: IngestedMail) -> None:
        """A decision of this batch, written by `write`."""
        self._rows[row.raw_sha256] = row
        self._new.append(row)

    def write(self, session: Session) -> None:
        """Insert the batch's decisions (in its transaction: committed with it)."""
        if self._new:
            rows = [{key: getattr(row, key) for key in _LEDGER_COLUMNS} for row in self._new]
            session.execute(insert(_LEDGER), rows)  # Core executemany: no ids needed back
        self._new = []


def repeat_of(seen: IngestedMail) -> MailResult:
    """The answer for bytes decided before: stored mail is a duplicate, the rest as it was."""
    outcome = "duplicate" if seen.outcome in _STORED else seen.outcome
    return MailResult(outcome, seen.request_id, seen.reference, seen.reason)  # type: ignore[arg-type]


def decision_row(
    digest: str, parsed: ParseResult, result: MailResult, mailbox_id: int | None
) -> IngestedMail:
    """The ledger row of a decision, not yet in any session."""
    message_id = parsed.external_id if isinstance(parsed, InboundMessage) else None
    return IngestedMail(
        raw_sha256=digest,
        message_id=message_id,
        outcome=result.outcome,
        request_id=result.request_id,
        reference=result.reference,
        reason=result.reason,
        mailbox_id=mailbox_id,
        created_at=utcnow(),  # when decided, even if written with its batch later
    )


def remember(
    session: Session,
    digest: str,
    parsed: ParseResult,
    result: MailResult,
    mailbox_id: int | None,
) -> IngestedMail:
    """Write the decision, so the same bytes are never decided twice. Does not commit."""
    row = decision_row(digest, parsed, result, mailbox_id)
    session.add(row)
    return row
