"""IMAP intake: one fetch pass, and an IDLE loop that reconnects with backoff.

Progress is (UIDVALIDITY, last UID) per RFC 3501 2.3.1.1; the sink commits each mail
together with the checkpoint that covers it, so a crash at any point loses nothing and a
re-fetch is recognised by the intake ledger. A changed UIDVALIDITY means the UIDs no
longer name the same mails: everything is re-read and the ledger filters what we have.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from imapclient import IMAPClient

from channels.email.mailboxes import ImapSettings

log = logging.getLogger(__name__)

FETCH_BATCH = 50
IDLE_RENEW_SECONDS = 9 * 60  # RFC 2177: servers may drop IDLE after 30 min; renew well before
IDLE_CHECK_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 60.0


class MailSink(Protocol):
    """Where fetched mail goes (the desk's mail intake)."""

    def checkpoint(self) -> tuple[int, int] | None:
        """The stored (UIDVALIDITY, last UID), or None before the first pass."""
        ...

    def handle(self, uidvalidity: int, uid: int, raw: bytes) -> None:
        """Ingest one mail and advance the checkpoint in one transaction."""
        ...


def connect(settings: ImapSettings) -> IMAPClient:
    """A logged-in client (not yet SELECTed)."""
    client = IMAPClient(
        settings.host, port=settings.port, ssl=settings.tls, timeout=settings.timeout
    )
    client.login(settings.username, settings.password)
    return client


def fetch_new(client: IMAPClient, settings: ImapSettings, sink: MailSink) -> int:
    """SELECT the folder and hand every mail after the checkpoint to the sink; returns count."""
    status = client.select_folder(settings.folder)
    uidvalidity = int(status[b"UIDVALIDITY"])
    stored = sink.checkpoint()
    last_uid = stored[1] if stored is not None and stored[0] == uidvalidity else 0
    if stored is not None and stored[0] != uidvalidity:
        log.warning(
            "UIDVALIDITY of %s changed %s→%s: resync", settings.folder, stored[0], uidvalidity
        )
    # "N:*" always matches the highest UID even when it is below N (RFC 3501 6.4.8).
    uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
    for start in range(0, len(uids), FETCH_BATCH):
        chunk = uids[start : start + FETCH_BATCH]
        # BODY.PEEK[] leaves \Seen alone, so people sharing the mailbox see what is new.
        response = client.fetch(chunk, ["BODY.PEEK[]"])
        for uid in chunk:
            raw = response.get(uid, {}).get(b"BODY[]")
            if isinstance(raw, bytes):
                sink.handle(uidvalidity, uid, raw)
        if settings.move_to_folder:
            client.move(chunk, settings.move_to_folder)
    return len(uids)


def poll_once(settings: ImapSettings, sink: MailSink) -> int:
    """One connection, one fetch pass (cron and tests)."""
    client = connect(settings)
    try:
        return fetch_new(client, settings, sink)
    finally:
        _close(client)


@dataclass
class IdleListener:
    """Keeps one IDLE connection to one folder alive until `stop` is set."""

    settings: ImapSettings
    sink: MailSink
    stop: threading.Event
    renew_seconds: float = IDLE_RENEW_SECONDS
    on_error: Callable[[BaseException], None] | None = None

    def run(self) -> None:
        """Connect, catch up, IDLE; after any failure wait (1, 2, 4 … 60 s) and start over."""
        backoff = 1.0
        while not self.stop.is_set():
            try:
                self._session()
                backoff = 1.0
            except Exception as error:  # AbortError, socket errors, server restarts, DB hiccups
                log.warning(
                    "IMAP %s: %s; reconnecting in %.0fs", self.settings.host, error, backoff
                )
                if self.on_error is not None:
                    self.on_error(error)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _session(self) -> None:
        client = connect(self.settings)
        try:
            fetch_new(client, self.settings, self.sink)
            while not self.stop.is_set():
                if self._idle_round(client):
                    fetch_new(client, self.settings, self.sink)
                else:
                    client.noop()  # no news: still catches mail that IDLE did not announce
                    fetch_new(client, self.settings, self.sink)
        finally:
            _close(client)

    def _idle_round(self, client: IMAPClient) -> bool:
        """IDLE until news, `renew_seconds`, or stop; True when the server announced mail."""
        client.idle()
        started = time.monotonic()
        news = False
        try:
            while not self.stop.is_set() and time.monotonic() - started < self.renew_seconds:
                responses = client.idle_check(timeout=IDLE_CHECK_SECONDS)
                if any(_announces_mail(item) for item in responses):
                    news = True
                    break
        finally:
            client.idle_done()
        return news


def _announces_mail(item: Any) -> bool:
    return isinstance(item, tuple) and len(item) >= 2 and item[1] in (b"EXISTS", b"RECENT")


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except (OSError, IMAPClient.Error):
        client.shutdown() if hasattr(client, "shutdown") else None
    except Exception:  # a dead connection may fail in any way on logout
        log.debug("IMAP logout failed", exc_info=True)
