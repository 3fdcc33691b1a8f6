"""Many mails at once: `mail ingest` commits in batches and still decides each mail once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from channels.base import Ignored, Rejected
from channels.email.adapter import EmailAdapter
from channels.email.automated import Bounce
from channels.email.intake import EmailIntake, ingest_in_batches
from channels.email.ledger import MailResult
from channels.email.models import IngestedMail, QuarantinedMail
from channels.email.parser import ParseLimits
from channels.messages import InboundMessage
from crm_core.customers import WHOLE_TRANSACTION_RETRIED, Customer, identities
from crm_core.db import UnitOfWork
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.models import Message, ServiceRequest
from servicedesk.desk.operations import receive_inbound

UowFactory = Callable[[], UnitOfWork]
SERVICEDESK = str(Path(sys.executable).with_name("servicedesk"))
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"


def new_mail(index: int) -> bytes:
    return (
        f"From: Customer {index} <c{index}@example.com>\r\nTo: support@desk.example\r\n"
        f"Subject: Broken thing {index}\r\nMessage-ID: <batch-{index}@example.com>\r\n\r\n"
        f"It broke ({index}).\r\n"
    ).encode()


class Crash(BaseException):
    """Stands for the process dying: not an error intake may catch and quarantine."""


def failing_at(subject: str, error: BaseException) -> Callable[..., object]:
    """The desk's entry, raising `error` for the mail with this subject."""

    def deliver(uow: UnitOfWork, message: InboundMessage, *, team_id: int | None) -> object:
        if message.subject == subject:
            raise error
        return receive_inbound(uow, message, team_id=team_id)

    return deliver


def counts(uow_factory: UowFactory) -> tuple[int, int, int]:
    with uow_factory() as uow:
        return tuple(  # type: ignore[return-value]
            int(uow.session.scalar(select(func.count(column))) or 0)
            for column in (IngestedMail.id, ServiceRequest.id, Message.id)
        )


def test_a_crash_mid_batch_loses_nothing_reported_and_a_rerun_decides_each_mail_once(
    uow_factory: UowFactory,
) -> None:
    mails = [(f"m{i}", new_mail(i)) for i in range(7)]
    adapter = EmailAdapter(smtp=None, from_address="support@desk.example")
    crashing = EmailIntake(adapter, failing_at("Broken thing 4", Crash()))  # type: ignore[arg-type]
    reported: list[MailResult] = []
    with pytest.raises(Crash):
        reported.extend(ingest_in_batches(uow_factory, mails, crashing, batch_size=3))
    assert [r.outcome for r in reported] == ["created"] * 3  # the first batch only
    assert counts(uow_factory) == (3, 3, 3)  # mail 3 (same batch as 4) rolled back with it
    intake = EmailIntake(adapter, receive_inbound)
    rerun = [r.outcome for r in ingest_in_batches(uow_factory, mails, intake, batch_size=3)]
    assert rerun == ["duplicate"] * 3 + ["created"] * 4
    assert counts(uow_factory) == (7, 7, 7)


def test_a_mail_the_desk_refuses_is_quarantined_and_the_rest_of_its_batch_kept(
    uow_factory: UowFactory,
) -> None:
    mails = [(f"m{i}", new_mail(i)) for i in range(5)]
    adapter = EmailAdapter(smtp=None, from_address="support@desk.example")
    refusing = EmailIntake(
        adapter, failing_at("Broken thing 2", ValueError("the desk refuses this one"))
    )  # type: ignore[arg-type]
    results = list(ingest_in_batches(uow_factory, mails, refusing, batch_size=5))
    assert [r.outcome for r in results] == ["created"] * 2 + ["quarantined"] + ["created"] * 2
    assert "intake failed: ValueError: the desk refuses this one" in (results[2].reason or "")
    assert counts(uow_factory) == (5, 4, 4)
    with uow_factory() as uow:
        held = uow.session.scalars(select(QuarantinedMail)).all()
        assert [row.source for row in held] == ["m2"]
    rerun = [r.outcome for r in ingest_in_batches(uow_factory, mails, refusing, batch_size=5)]
    assert rerun == ["duplicate"] * 2 + ["quarantined"] + ["duplicate"] * 2
    assert counts(uow_factory) == (5, 4, 4)


def test_the_same_mail_twice_in_one_batch_is_stored_once(uow_factory: UowFactory) -> None:
    intake = EmailIntake(EmailAdapter(smtp=None, from_address=""), partial(receive_inbound))
    mails = [("a", new_mail(1)), ("b", new_mail(2)), ("again", new_mail(1))]
    outcomes = [r.outcome for r in ingest_in_batches(uow_factory, mails, intake)]
    assert outcomes == ["created", "created", "duplicate"]
    assert counts(uow_factory) == (2, 2, 2)


def test_a_sender_new_to_the_desk_twice_in_one_batch_is_one_customer(
    uow_factory: UowFactory,
) -> None:
    intake = EmailIntake(EmailAdapter(smtp=None, from_address=""), partial(receive_inbound))
    second = new_mail(2).replace(b"c2@example.com", b"c1@example.com")
    mails = [("a", new_mail(1)), ("b", second)]
    assert [r.outcome for r in ingest_in_batches(uow_factory, mails, intake)] == ["created"] * 2
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count(Customer.id))) == 1
        owners = uow.session.scalars(select(ServiceRequest.customer_id)).all()
        assert len(owners) == 2 and len(set(owners)) == 1


_CUSTOMERS = select(func.count(Customer.id))


def test_an_identity_created_meanwhile_redoes_the_batch_and_joins_that_customer(
    uow_factory: UowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The batch's first pass creates identities without a savepoint: a clash (here: the
    # lookup misses the sender once, as if another intake inserted it concurrently) fails
    # that pass, and the redo with savepoints finds the customer.
    real_find = identities.find_identity
    misses = {"left": 1}

    def find_missing_once(session: Any, kind: str, address: str) -> Any:
        first_pass = session.info.get(WHOLE_TRANSACTION_RETRIED) and misses["left"]
        if first_pass and address == "c1@example.com" and session.scalar(_CUSTOMERS):
            misses["left"] -= 1
            return None
        return real_find(session, kind, address)

    monkeypatch.setattr(identities, "find_identity", find_missing_once)
    intake = EmailIntake(EmailAdapter(smtp=None, from_address=""), partial(receive_inbound))
    second = new_mail(2).replace(b"c2@example.com", b"c1@example.com")
    mails = [("a", new_mail(1)), ("b", second), ("c", new_mail(3))]
    outcomes = [r.outcome for r in ingest_in_batches(uow_factory, mails, intake)]
    assert misses["left"] == 0  # the clash happened
    assert outcomes == ["created"] * 3
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count(Customer.id))) == 2
    assert counts(uow_factory) == (3, 3, 3)


def test_cli_prints_one_committed_line_per_file_in_order(tmp_path: Path) -> None:
    files = []
    for index in range(5):
        files.append(tmp_path / f"{index}.eml")
        files[-1].write_bytes(new_mail(index))
    files.append(files[0])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    env = {**clean, "SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance")}
    run = subprocess.run(
        [SERVICEDESK, "mail", "ingest", "--json", *map(str, files)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["file"] for line in lines] == list(map(str, files))
    assert [line["outcome"] for line in lines] == ["created"] * 5 + ["duplicate"]
    assert lines[-1]["reference"] == lines[0]["reference"]


def test_parsing_in_a_worker_process_decides_as_parsing_here(
    uow_factory: UowFactory, tmp_path: Path
) -> None:
    raws = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]
    adapter = EmailAdapter(smtp=None, from_address="", limits=ParseLimits(max_message_bytes=1_100))
    store = AttachmentStore(tmp_path, 10**7)
    intake = EmailIntake(
        adapter,
        partial(receive_inbound, attachments=store),
        frozenset({"support@desk.example"}),  # screened here: the worker knows no mailboxes
        worker_limits=adapter.limits,
    )
    mails = [(f"m{i}", raw) for i, raw in enumerate(raws)]
    results = list(ingest_in_batches(uow_factory, mails, intake, batch_size=7, parse_workers=1))
    expected = {Rejected: "quarantined", Ignored: "ignored", Bounce: "ignored"}
    for raw, result in zip(raws, results, strict=True):
        here = intake.parse(raw)
        assert result.outcome == expected.get(type(here), result.outcome)
        if isinstance(here, InboundMessage):
            assert result.outcome in ("created", "appended", "duplicate")
    assert {"quarantined", "ignored", "created"} <= {r.outcome for r in results}
    own = raws.index((FIXTURES / "from_own_address.eml").read_bytes())
    assert results[own].outcome == "ignored" and "own address" in (results[own].reason or "")
