"""IMAP intake against a real Dovecot: fetch passes, IDLE, UIDVALIDITY resync, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from sqlalchemy import func, select

from channels.email.adapter import EmailAdapter
from channels.email.checkpoints import MailboxIntake
from channels.email.imap import IdleListener, poll_once
from channels.email.intake import EmailIntake
from channels.email.mailboxes import ImapSettings
from channels.email.models import IngestedMail, Mailbox, MailCheckpoint
from crm_core.db import UnitOfWork, make_engine, make_session_factory
from servicedesk.desk.models import Message, ServiceRequest
from servicedesk.desk.operations import receive_inbound
from tests.fixtures.dovecot import Dovecot

UowFactory = Callable[[], UnitOfWork]


def make_mail(index: int, tag: str = "t") -> bytes:
    return (
        f"From: Customer {index} <customer{index}@example.com>\r\n"
        f"To: support@desk.example\r\n"
        f"Subject: Problem number {index}\r\n"
        f"Message-ID: <{tag}-{index}@example.com>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Something is broken ({index}).\r\n"
    ).encode()


def add_mailbox(uow_factory: UowFactory, user: str) -> int:
    with uow_factory() as uow:
        mailbox = Mailbox(
            name=user, host="127.0.0.1", port=0, tls=False, username=user,
            password_encrypted="-", from_address="support@desk.example",
        )  # fmt: skip
        uow.session.add(mailbox)
        uow.commit()
        return mailbox.id


def sink_for(uow_factory: UowFactory, user: str, folder: str = "INBOX") -> MailboxIntake:
    adapter = EmailAdapter(smtp=None, from_address="support@desk.example")
    intake = EmailIntake(adapter, receive_inbound)
    return MailboxIntake(uow_factory, add_mailbox(uow_factory, user), folder, intake)


def imap(dovecot: Dovecot, user: str, **changes: Any) -> ImapSettings:
    return replace(ImapSettings.from_url(dovecot.url(user)), timeout=10.0, **changes)


def count(uow_factory: UowFactory, column: object) -> int:
    with uow_factory() as uow:
        return int(uow.session.scalar(select(func.count(column))) or 0)  # type: ignore[arg-type]


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_poll_fetches_each_mail_once_and_checkpoints(
    dovecot: Dovecot, imap_user: str, uow_factory: UowFactory
) -> None:
    for index in range(3):
        dovecot.deliver(imap_user, make_mail(index))
    sink = sink_for(uow_factory, imap_user)
    assert poll_once(imap(dovecot, imap_user), sink) == 3
    assert poll_once(imap(dovecot, imap_user), sink) == 0
    assert count(uow_factory, ServiceRequest.id) == 3
    checkpoint = sink.checkpoint()
    assert checkpoint is not None and checkpoint[1] == 3
    # PEEK: the mails stay unread for people who share the mailbox.
    with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
        client.login(imap_user, dovecot.users[imap_user])
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["UNSEEN"])) == 3


def test_uidvalidity_change_resyncs_without_duplicates(
    dovecot: Dovecot, imap_user: str, uow_factory: UowFactory
) -> None:
    for index in range(3):
        dovecot.deliver(imap_user, make_mail(index, "uv"))
    sink = sink_for(uow_factory, imap_user)
    poll_once(imap(dovecot, imap_user), sink)
    before = sink.checkpoint()
    assert before is not None
    dovecot.doveadm("mailbox", "update", "-u", imap_user, "--uid-validity", "777", "INBOX")
    dovecot.deliver(imap_user, make_mail(3, "uv"))
    assert poll_once(imap(dovecot, imap_user), sink) == 4  # everything re-read...
    assert count(uow_factory, ServiceRequest.id) == 4  # ...but only the new one is new
    assert count(uow_factory, Message.id) == 4
    assert sink.checkpoint() == (777, 4)


def test_move_processed_mail_to_a_folder(
    dovecot: Dovecot, imap_user: str, uow_factory: UowFactory
) -> None:
    dovecot.doveadm("mailbox", "create", "-u", imap_user, "Processed")
    dovecot.deliver(imap_user, make_mail(1, "mv"))
    settings = imap(dovecot, imap_user, move_to_folder="Processed")
    assert poll_once(settings, sink_for(uow_factory, imap_user)) == 1
    with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
        client.login(imap_user, dovecot.users[imap_user])
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
        assert client.select_folder("Processed")[b"EXISTS"] == 1


def test_idle_listener_sees_new_mail_and_survives_uidvalidity_change(
    dovecot: Dovecot, imap_user: str, uow_factory: UowFactory
) -> None:
    sink = sink_for(uow_factory, imap_user)
    stop = threading.Event()
    errors: list[BaseException] = []
    listener = IdleListener(
        imap(dovecot, imap_user), sink, stop, renew_seconds=1.0, on_error=errors.append
    )
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    try:
        dovecot.deliver(imap_user, make_mail(1, "idle"))
        assert wait_until(lambda: count(uow_factory, ServiceRequest.id) == 1)
        dovecot.doveadm("mailbox", "update", "-u", imap_user, "--uid-validity", "4242", "INBOX")
        dovecot.deliver(imap_user, make_mail(2, "idle"))
        assert wait_until(lambda: count(uow_factory, ServiceRequest.id) == 2)
        assert wait_until(lambda: sink.checkpoint() == (4242, 2))
        assert count(uow_factory, Message.id) == 2
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()


def _listen(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from servicedesk.cli import main; main()", "mail", "listen"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def test_killed_listener_loses_nothing_and_ingests_nothing_twice(
    dovecot: Dovecot, imap_user: str, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'crash.db'}"
    env = {
        **os.environ,
        "SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance"),
        "SERVICEDESK_DATABASE_URL": database,
        "SERVICEDESK_SECRET_KEY": "test-secret",
        "SERVICEDESK_MAIL_IMAP_URL": dovecot.url(imap_user),
        "SERVICEDESK_MAIL_FROM": "support@desk.example",
    }
    total = 60
    for index in range(total):
        dovecot.deliver(imap_user, make_mail(index, "crash"))
    engine = make_engine(database)
    sessions = make_session_factory(engine)

    def ingested() -> int:
        try:
            with sessions() as session:
                return int(session.scalar(select(func.count(IngestedMail.id))) or 0)
        except Exception:  # tables not created yet by the child
            return 0

    log = tmp_path / "listen.log"
    child = _listen(env, log)
    try:
        assert wait_until(lambda: ingested() >= 5, timeout=60), log.read_text()
        child.send_signal(signal.SIGKILL)  # mid-batch, no chance to clean up
        child.wait(10)
        killed_at = ingested()
        assert killed_at < total, "the batch finished before the kill; make it bigger"
        child = _listen(env, log)
        assert wait_until(lambda: ingested() == total, timeout=60), log.read_text()
    finally:
        child.terminate()
        child.wait(20)
    with sessions() as session:
        assert session.scalar(select(func.count(ServiceRequest.id))) == total
        assert session.scalar(select(func.count(Message.id))) == total
        outcomes = list(session.execute(select(IngestedMail.outcome, IngestedMail.reason)))
        assert {outcome for outcome, _ in outcomes} == {"created"}, outcomes
        checkpoint = session.scalars(select(MailCheckpoint)).one()
        assert checkpoint.last_uid == total
    engine.dispose()
