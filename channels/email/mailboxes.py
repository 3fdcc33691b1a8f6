"""Mailbox settings: console-managed rows, the environment mailbox, IMAP connection settings."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from channels.email.models import ENV_MAILBOX_NAME, Mailbox
from channels.email.secrets import decrypt_password, encrypt_password


@dataclass(frozen=True)
class ImapSettings:
    """How to reach one IMAP folder."""

    host: str
    port: int
    username: str
    password: str
    tls: bool = True
    folder: str = "INBOX"
    move_to_folder: str | None = None
    timeout: float = 60.0

    @classmethod
    def from_url(cls, url: str) -> ImapSettings:
        """`imap://USER:PASS@HOST:PORT/FOLDER` (plain) or `imaps://...` (TLS)."""
        parts = urlsplit(url)
        tls = parts.scheme == "imaps"
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (993 if tls else 143),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            tls=tls,
            folder=folder,
        )


@dataclass(frozen=True)
class MailboxForm:
    """What the console's mailbox form submits; `password=None` keeps the stored one."""

    name: str
    host: str
    port: int
    tls: bool
    username: str
    from_address: str
    password: str | None = None
    folder: str = "INBOX"
    team_id: int | None = None
    move_to_folder: str | None = None
    enabled: bool = True


def save_mailbox(
    session: Session, app_secret: str, form: MailboxForm, mailbox_id: int | None = None
) -> Mailbox:
    """Create or update a mailbox; the password is stored encrypted. Does not commit."""
    mailbox = session.get(Mailbox, mailbox_id) if mailbox_id is not None else None
    if mailbox is None:
        if form.password is None:
            raise ValueError("a new mailbox needs a password")
        mailbox = Mailbox(password_encrypted="")
        session.add(mailbox)
    for name in ("name", "host", "port", "tls", "username", "from_address", "folder"):
        setattr(mailbox, name, getattr(form, name))
    mailbox.team_id = form.team_id
    mailbox.move_to_folder = form.move_to_folder or None
    mailbox.enabled = form.enabled
    mailbox.from_address = form.from_address.lower()
    if form.password is not None:
        mailbox.password_encrypted = encrypt_password(app_secret, form.password)
    session.flush()
    return mailbox


def list_mailboxes(session: Session, enabled_only: bool = False) -> list[Mailbox]:
    """Every mailbox, by name."""
    query = select(Mailbox).order_by(Mailbox.name)
    if enabled_only:
        query = query.where(Mailbox.enabled.is_(True))
    return list(session.scalars(query))


def ensure_env_mailbox(
    session: Session, app_secret: str, imap_url: str, from_address: str | None
) -> Mailbox:
    """The mailbox named by SERVICEDESK_MAIL_IMAP_URL, created or refreshed. Does not commit."""
    settings = ImapSettings.from_url(imap_url)
    existing = session.scalars(select(Mailbox).where(Mailbox.name == ENV_MAILBOX_NAME)).first()
    form = MailboxForm(
        name=ENV_MAILBOX_NAME,
        host=settings.host,
        port=settings.port,
        tls=settings.tls,
        username=settings.username,
        password=settings.password,
        folder=settings.folder,
        from_address=from_address or settings.username,
    )
    return save_mailbox(session, app_secret, form, existing.id if existing else None)


def imap_settings(mailbox: Mailbox, app_secret: str) -> ImapSettings:
    """Connection settings of a stored mailbox, password decrypted."""
    return ImapSettings(
        host=mailbox.host,
        port=mailbox.port,
        username=mailbox.username,
        password=decrypt_password(app_secret, mailbox.password_encrypted),
        tls=mailbox.tls,
        folder=mailbox.folder,
        move_to_folder=mailbox.move_to_folder,
    )


def own_addresses(session: Session, extra: tuple[str | None, ...] = ()) -> frozenset[str]:
    """Every address the desk sends from: mail from these is never a customer's."""
    found = {m.from_address.lower() for m in session.scalars(select(Mailbox))}
    found |= {a.lower() for a in extra if a}
    return frozenset(found)
