"""Tables of the email channel: mailboxes, IMAP checkpoints, the intake ledger, quarantine, caps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.audit import register_audited
from crm_core.db import Base, utcnow

ENV_MAILBOX_NAME = "environment"


class Mailbox(Base):
    """An IMAP mailbox the desk reads, and the address its replies go out from."""

    __tablename__ = "email_mailbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    tls: Mapped[bool] = mapped_column(default=True)
    username: Mapped[str] = mapped_column(String(255))
    # Fernet token (channels.email.secrets); never the clear password.
    password_encrypted: Mapped[str] = mapped_column(Text)
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    team_id: Mapped[int | None] = mapped_column(Integer, default=None)
    from_address: Mapped[str] = mapped_column(String(320))
    move_to_folder: Mapped[str | None] = mapped_column(String(255), default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MailCheckpoint(Base):
    """How far a mailbox folder has been read: (UIDVALIDITY, last UID), per RFC 3501 2.3.1.1."""

    __tablename__ = "email_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("email_mailbox.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(Integer)
    last_uid: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    __table_args__ = (UniqueConstraint("mailbox_id", "folder"),)


class IngestedMail(Base):
    """Every raw mail the intake has decided on, keyed by its bytes' hash.

    Survives UIDVALIDITY resyncs and re-fetches after a crash: the same bytes are never
    decided twice. The desk itself dedupes on Message-ID plus content hash.
    """

    __tablename__ = "email_ingested"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998), default=None)
    outcome: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[int | None] = mapped_column(Integer, default=None)
    reference: Mapped[str | None] = mapped_column(String(40), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    mailbox_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuarantinedMail(Base):
    """A mail the parser refused, kept raw with the reason so it can be replayed after a fix."""

    __tablename__ = "email_quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(255), default=None)
    mailbox_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    outcome: Mapped[str | None] = mapped_column(String(20), default=None)


class AutomaticMailLog(Base):
    """One row per automatic notice sent, to cap them per recipient (mail-loop guard)."""

    __tablename__ = "email_automatic_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_email_automatic_log_recipient_sent", "recipient", "sent_at"),)


# Admin settings: every change made through the console is in the audit log, the
# password as "(changed)" only.
register_audited(Mailbox, "mailbox", hidden=("password_encrypted",))
