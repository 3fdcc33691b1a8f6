"""The IMAP listener's sink: each mail and the checkpoint that covers it commit together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from channels.email.intake import EmailIntake, ingest_raw
from channels.email.ledger import MailResult
from channels.email.models import MailCheckpoint
from crm_core.db import UnitOfWork


@dataclass
class MailboxIntake:
    """Ingests one folder's mail; a crash at any point loses nothing and decides nothing twice."""

    uow_factory: Callable[[], UnitOfWork]
    mailbox_id: int
    folder: str
    intake: EmailIntake
    on_result: Callable[[int, MailResult], None] | None = None

    def checkpoint(self) -> tuple[int, int] | None:
        with self.uow_factory() as uow:
            row = self._row(uow)
            return (row.uidvalidity, row.last_uid) if row is not None else None

    def handle(self, uidvalidity: int, uid: int, raw: bytes) -> None:
        with self.uow_factory() as uow:
            source = f"imap:{self.mailbox_id}:{self.folder}:{uidvalidity}:{uid}"
            result = ingest_raw(uow, raw, self.intake, source, self.mailbox_id)
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
