"""Raw mail → parse → desk intake, on SQLite and PostgreSQL, with real SMTP for our replies."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select

from channels.email.adapter import EmailAdapter, adapter_from_settings
from channels.email.intake import EmailIntake, ingest_raw, replay_quarantined
from channels.email.ledger import MailResult
from channels.email.models import IngestedMail, QuarantinedMail
from channels.email.parser import ParseLimits
from channels.email.quarantine import list_quarantine
from channels.registry import AdapterRegistry
from crm_core.customers import ChannelIdentity, resolve_identity
from crm_core.db import UnitOfWork
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.delivery import deliver_reply
from servicedesk.desk.models import Agent, Message, ServiceRequest
from servicedesk.desk.operations import post_reply, receive_inbound

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
OWN = frozenset({"support@desk.example"})
UowFactory = Callable[[], UnitOfWork]


def email_intake(
    limits: ParseLimits | None = None, attachments: AttachmentStore | None = None
) -> EmailIntake:
    """The email adapter (no SMTP) in front of the desk's entry, as the container wires it."""
    adapter = EmailAdapter(smtp=None, from_address="", limits=limits or ParseLimits())
    return EmailIntake(adapter, partial(receive_inbound, attachments=attachments), OWN)


@pytest.fixture
def settings(tmp_path: Path) -> EmailIntake:
    return email_intake(attachments=AttachmentStore(tmp_path / "attachments", 10 * 1024 * 1024))


def fixture(name: str, **subs: str) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for old, new in subs.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


def ingest(uow_factory: UowFactory, raw: bytes, settings: EmailIntake) -> MailResult:
    with uow_factory() as uow:
        result = ingest_raw(uow, raw, settings, source="test")
        uow.commit()
        return result


def reply_by_mail(uow_factory: UowFactory, request_id: int, smtp_url: str) -> str:
    """An agent answers; the reply goes out through the real adapter; returns its Message-ID."""
    with uow_factory() as uow:
        agent = Agent(email="dana@desk.example", name="Dana", password_hash="x", roles=["agent"])
        uow.session.add(agent)
        uow.session.flush()
        reply = post_reply(uow, request_id, agent.id, "Hi Alice, we replaced the roller.")
        uow.commit()
        reply_id = reply.id
    adapters = AdapterRegistry()
    adapters.register(adapter_from_settings(smtp_url, "support@desk.example"))
    deliver_reply(uow_factory, adapters, reply_id)
    with uow_factory() as uow:
        sent = uow.session.get(Message, reply_id)
        assert sent is not None and sent.external_id
        return sent.external_id


def test_reply_to_our_mail_threads_by_our_message_id(
    uow_factory: UowFactory, settings: EmailIntake, smtp_server: tuple[str, object]
) -> None:
    smtp_url, handler = smtp_server
    first = ingest(uow_factory, fixture("gmail_new.eml"), settings)
    assert first.outcome == "created" and first.reference
    our_id = reply_by_mail(uow_factory, first.request_id or 0, smtp_url)
    sent = handler.messages[-1]  # type: ignore[attr-defined]
    assert sent["In-Reply-To"] == "<CAGmail-new-0001@mail.gmail.com>"
    assert f"[{first.reference}]" in sent["Subject"]
    assert sent["Message-ID"] == f"<{our_id}>"
    raw = fixture("gmail_reply.eml", **{"OUR-MESSAGE-ID": our_id, "SR-TOKEN": first.reference})
    second = ingest(uow_factory, raw, settings)
    assert (second.outcome, second.request_id) == ("appended", first.request_id)
    assert second.thread_rule == "own_message_id"
    refs = fixture("references_only.eml", **{"OUR-MESSAGE-ID": our_id})
    third = ingest(uow_factory, refs, settings)
    assert (third.outcome, third.request_id, third.thread_rule) == (
        "appended",
        first.request_id,
        "own_message_id",
    )


def test_subject_token_only_for_the_customer_and_plus_address(
    uow_factory: UowFactory, settings: EmailIntake
) -> None:
    first = ingest(uow_factory, fixture("gmail_new.eml"), settings)
    token = first.reference or ""
    stranger = ingest(uow_factory, fixture("stranger_token.eml", **{"SR-TOKEN": token}), settings)
    assert stranger.outcome == "created" and stranger.request_id != first.request_id
    plus = ingest(uow_factory, fixture("plus_address.eml", **{"SR-TOKEN": token}), settings)
    assert (plus.outcome, plus.request_id, plus.thread_rule) == (
        "appended",
        first.request_id,
        "address_token",
    )
    with uow_factory() as uow:  # Bob is a customer too, replying on his own request by token
        resolve_identity(uow.session, "email", "bob@customer.example", "Bob")
        uow.commit()
    bob_first = ingest(
        uow_factory, fixture("outlook_reply.eml", **{"SR-TOKEN": "SR-999999"}), settings
    )
    assert bob_first.outcome == "created"
    raw = fixture("outlook_reply.eml", **{"SR-TOKEN": bob_first.reference or ""})
    raw = raw.replace(b"outlook-0003", b"outlook-0004")
    bob_reply = ingest(uow_factory, raw, settings)
    assert (bob_reply.request_id, bob_reply.thread_rule) == (bob_first.request_id, "subject_token")


def test_same_bytes_twice_is_a_duplicate_and_reused_id_is_not(
    uow_factory: UowFactory, settings: EmailIntake
) -> None:
    a = ingest(uow_factory, fixture("duplicate_id_a.eml"), settings)
    again = ingest(uow_factory, fixture("duplicate_id_a.eml"), settings)
    assert again.outcome == "duplicate" and again.request_id == a.request_id
    b = ingest(uow_factory, fixture("duplicate_id_b.eml"), settings)
    assert b.outcome == "created" and b.request_id != a.request_id
    # A re-delivery with extra trace headers (new bytes, same mail) is still a duplicate.
    redelivered = b"Received: from relay.example by mx\r\n" + fixture("duplicate_id_a.eml")
    assert ingest(uow_factory, redelivered, settings).outcome == "duplicate"
    no_id = ingest(uow_factory, fixture("no_message_id.eml"), settings)
    assert no_id.outcome == "created"
    assert ingest(uow_factory, fixture("no_message_id.eml"), settings).outcome == "duplicate"


def test_bounce_marks_the_identity_and_opens_nothing(
    uow_factory: UowFactory, settings: EmailIntake
) -> None:
    ingest(uow_factory, fixture("gmail_new.eml"), settings)
    result = ingest(uow_factory, fixture("bounce_dsn.eml"), settings)
    assert result.outcome == "ignored" and result.request_id is None
    with uow_factory() as uow:
        identity = uow.session.scalars(
            select(ChannelIdentity).where(ChannelIdentity.address == "alice@customer.example")
        ).one()
        assert identity.bouncing is True
        assert uow.session.scalar(select(func.count(ServiceRequest.id))) == 1


@pytest.mark.parametrize(
    "name", ["auto_reply_oof.eml", "x_autoreply.eml", "precedence_bulk.eml", "from_own_address.eml"]
)
def test_automated_mail_opens_no_request(
    uow_factory: UowFactory, settings: EmailIntake, name: str
) -> None:
    result = ingest(uow_factory, fixture(name), settings)
    assert result.outcome == "ignored" and result.reason
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count(ServiceRequest.id))) == 0
        assert uow.session.scalar(select(func.count(IngestedMail.id))) == 1


def test_rejected_mail_is_quarantined_and_replayed_after_a_fix(
    uow_factory: UowFactory, settings: EmailIntake, tmp_path: Path
) -> None:
    strict = email_intake(ParseLimits(max_message_bytes=200), AttachmentStore(tmp_path, 10**7))
    raw = fixture("gmail_new.eml")
    first = ingest(uow_factory, raw, strict)
    assert first.outcome == "quarantined" and "too large" in (first.reason or "")
    assert ingest(uow_factory, raw, strict).outcome == "quarantined"  # not stored twice
    with uow_factory() as uow:
        entries, total = list_quarantine(uow.session)
        assert total == 1 and entries[0].subject_hint == "Printer on floor 3 is jammed"
        quarantine_id = entries[0].id
    with uow_factory() as uow:
        replayed = replay_quarantined(uow, quarantine_id, settings)
        uow.commit()
    assert replayed.outcome == "created" and replayed.reference
    with uow_factory() as uow:
        row = uow.session.get(QuarantinedMail, quarantine_id)
        assert row is not None and row.replayed_at is not None and row.outcome == "created"
    assert ingest(uow_factory, raw, settings).outcome == "duplicate"


def test_intake_failure_rolls_back_and_quarantines(uow_factory: UowFactory) -> None:
    # No attachment store: the desk refuses a mail with attachments; nothing half-written.
    result = ingest(uow_factory, fixture("attachment_pdf.eml"), email_intake())
    assert result.outcome == "quarantined" and "intake failed" in (result.reason or "")
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count(ServiceRequest.id))) == 0
        assert uow.session.scalar(select(func.count(Message.id))) == 0
        assert uow.session.scalar(select(func.count(QuarantinedMail.id))) == 1


def test_oversized_attachment_keeps_the_request_and_the_raw_mail(
    uow_factory: UowFactory, tmp_path: Path
) -> None:
    settings = email_intake(
        ParseLimits(attachment_max_bytes=20), AttachmentStore(tmp_path / "a", 20)
    )
    result = ingest(uow_factory, fixture("attachment_pdf.eml"), settings)
    assert result.outcome == "created"
    with uow_factory() as uow:
        (row,) = uow.session.scalars(select(QuarantinedMail)).all()
        assert row.outcome == "created" and "Rechnung März.pdf" in row.reason
        message = uow.session.scalars(select(Message)).one()
        assert "Attachments not kept" in message.text
