"""`servicedesk mail ...`: ingest files, poll or listen on IMAP, quarantine list and replay."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from servicedesk.cli.context import container

if TYPE_CHECKING:
    from channels.email.intake import EmailIntake


def _app() -> Any:
    return container()


def _intake(app: Any) -> EmailIntake:
    intake: EmailIntake = app.mail_intake()
    return intake


@click.group("mail")
def mail() -> None:
    """Email channel: intake from files and IMAP, quarantine."""


# From this many files `mail ingest` parses in a worker process beside the writer (on two
# or more cores): the single SQLite writer then only stores, and the worker process
# (~0.3 s to start, meanwhile the writer parses) pays for itself (BENCHMARKS.md, Email).
WORKER_FROM_FILES = 200


def default_parse_workers(files: int) -> int:
    """1 for a run of many files on a machine with a core to spare, else 0 (inline)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 1 if files >= WORKER_FROM_FILES and (cores or 1) >= 2 else 0


@mail.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file and line.")
@click.option(
    "--parse-workers",
    type=click.IntRange(min=0),
    default=None,
    help=f"Processes parsing ahead of the writer [default: 1 for {WORKER_FROM_FILES}+ files"
    " on 2+ cores, else 0].",
)
def ingest_command(files: tuple[str, ...], as_json: bool, parse_workers: int | None) -> None:
    """Feed raw RFC 5322 files through the email adapter and the desk intake.

    Mails commit in batches; a line is printed once its mail is committed.
    """
    from channels.email.intake import ingest_in_batches

    app = _app()
    if parse_workers is None:
        parse_workers = default_parse_workers(len(files))
    mails = ((f"file:{name}", Path(name).read_bytes()) for name in files)
    results = ingest_in_batches(app.uow, mails, _intake(app), parse_workers=parse_workers)
    for name, result in zip(files, results, strict=True):
        if as_json:
            click.echo(json.dumps(result.as_json(name)))
        else:
            where = f" {result.reference}" if result.reference else ""
            why = f" ({result.reason})" if result.reason else ""
            click.echo(f"{name}: {result.outcome}{where}{why}")


def _mailbox_sinks(app: Any) -> list[tuple[Any, Any]]:
    """(ImapSettings, MailboxIntake) for the environment mailbox and every enabled one."""
    from channels.email.checkpoints import MailboxIntake
    from channels.email.mailboxes import ensure_env_mailbox, imap_settings, list_mailboxes

    config = app.config
    with app.uow() as uow:
        if config.mail_imap_url:
            ensure_env_mailbox(
                uow.session, config.secret_key, config.mail_imap_url, config.mail_from
            )
            uow.commit()
        boxes = [
            (m.id, imap_settings(m, config.secret_key)) for m in list_mailboxes(uow.session, True)
        ]
    intake = _intake(app)
    return [
        (imap, MailboxIntake(app.uow, mailbox_id, imap.folder, intake))
        for mailbox_id, imap in boxes
    ]


@mail.command("poll")
@click.option("--once", is_flag=True, required=True, help="One fetch pass, then exit.")
def poll_command(once: bool) -> None:
    """One IMAP fetch pass over every mailbox (for cron and tests)."""
    from channels.email.imap import poll_once

    pairs = _mailbox_sinks(_app())
    if not pairs:
        raise click.ClickException("no mailbox: set SERVICEDESK_MAIL_IMAP_URL or add one")
    for imap, sink in pairs:
        count = poll_once(imap, sink)
        click.echo(f"{imap.username}@{imap.host}/{imap.folder}: {count} fetched")


@mail.command("listen")
def listen_command() -> None:
    """IMAP IDLE on every mailbox until interrupted; reconnects with backoff."""
    from channels.email.imap import IdleListener

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    pairs = _mailbox_sinks(_app())
    if not pairs:
        raise click.ClickException("no mailbox: set SERVICEDESK_MAIL_IMAP_URL or add one")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads = [
        threading.Thread(target=IdleListener(imap, sink, stop).run, name=imap.host, daemon=True)
        for imap, sink in pairs
    ]
    for thread in threads:
        thread.start()
    click.echo(f"listening on {len(threads)} mailbox(es)")
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        stop.set()
    for thread in threads:
        thread.join(timeout=15)


@mail.command("quarantine")
@click.option("--limit", default=50, show_default=True)
def quarantine_command(limit: int) -> None:
    """List quarantined mail, newest first."""
    from channels.email.quarantine import list_quarantine

    app = _app()
    with app.sessions() as session:
        entries, total = list_quarantine(session, limit=limit)
    for entry in entries:
        state = f"replayed → {entry.outcome}" if entry.replayed_at else (entry.outcome or "held")
        click.echo(f"{entry.id}\t{entry.created_at:%Y-%m-%d %H:%M}\t{state}\t{entry.reason}")
    click.echo(f"{total} in quarantine")


@mail.command("replay")
@click.argument("quarantine_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def replay_command(quarantine_id: int, as_json: bool) -> None:
    """Run a quarantined mail through intake again (after a fix)."""
    from channels.email.intake import replay_quarantined

    app = _app()
    intake = _intake(app)
    with app.uow() as uow:
        try:
            result = replay_quarantined(uow, quarantine_id, intake)
        except LookupError as error:
            raise click.ClickException(str(error)) from error
        uow.commit()
    line = result.as_json(f"quarantine:{quarantine_id}")
    click.echo(json.dumps(line) if as_json else f"{quarantine_id}: {result.outcome}")


commands: list[click.Command] = [mail]
