"""receive_inbound and the agent operations, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from channels.messages import AttachmentData, InboundMessage, Sender
from crm_core.customers import ChannelIdentity, Customer, LifecycleStage, link_identity
from crm_core.db import UnitOfWork
from servicedesk.desk import events
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.errors import CustomersDiffer, InvalidChange, StaleReply
from servicedesk.desk.models import Direction, Message, RequestEvent, ServiceRequest, Status
from servicedesk.desk.operations import (
    REPLY_BY_EMAIL_TAG,
    add_note,
    assign_request,
    change_status,
    merge_requests,
    post_reply,
    receive_inbound,
)
from servicedesk.desk.threading import find_thread
from tests.factories import make_agent

UowFactory = Callable[[], UnitOfWork]


def mail(external_id: str, text: str = "My printer is on fire", **kw: object) -> InboundMessage:
    sender = kw.pop("sender", Sender("email", "Ann@Example.com", "Ann Lee"))
    return InboundMessage(
        channel=kw.pop("channel", "email"),  # type: ignore[arg-type]
        external_id=external_id,
        sender=sender,  # type: ignore[arg-type]
        text=text,
        subject=kw.pop("subject", "Printer"),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def new_agent(uow_factory: UowFactory, name: str = "Agent", email: str | None = None) -> int:
    with uow_factory() as uow:
        agent = make_agent(uow, name, email=email)
        uow.commit()
        return agent.id


def intake(uow_factory: UowFactory, message: InboundMessage, **kw: object):  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        result = receive_inbound(uow, message, **kw)  # type: ignore[arg-type]
        uow.commit()
        return result


def test_first_message_opens_a_request_for_a_new_prospect(uow_factory: UowFactory) -> None:
    result = intake(uow_factory, mail("m1@example.com"))
    assert result.outcome == "created"
    assert result.reference == f"SR-{result.request_id + 1000}"
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, result.request_id)
        assert request is not None
        assert request.subject == "Printer"
        assert request.status == Status.NEW
        assert request.customer.lifecycle_stage == LifecycleStage.PROSPECT
        assert request.customer.emails == ["ann@example.com"]
        assert [e.kind for e in request.events] == ["opened"]


def test_second_arrival_of_the_same_message_is_a_no_op(uow_factory: UowFactory) -> None:
    first = intake(uow_factory, mail("m1@example.com"))
    again = intake(uow_factory, mail("m1@example.com"))
    assert again.outcome == "duplicate"
    assert again.message_id == first.message_id
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count(Message.id))) == 1


def test_reused_message_id_with_other_content_is_kept(uow_factory: UowFactory) -> None:
    intake(uow_factory, mail("same@id"))
    other = intake(uow_factory, mail("same@id", text="A different question"))
    assert other.outcome in {"created", "appended"}
    repeat = intake(uow_factory, mail("same@id", text="A different question"))
    assert repeat.outcome == "duplicate"
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count(Message.id))) == 2


def test_reply_referencing_our_message_threads_onto_the_request(uow_factory: UowFactory) -> None:
    agent_id = new_agent(uow_factory)
    opened = intake(uow_factory, mail("m1@example.com"))
    with uow_factory() as uow:
        reply = post_reply(uow, opened.request_id, agent_id, "Have you tried water?")
        reply.external_id = "sr-reply-1@desk.test"  # what the email adapter stores after sending
        uow.commit()
    stranger = Sender("email", "bob@else.test")
    answer = intake(
        uow_factory, mail("m2@else.test", references=("sr-reply-1@desk.test",), sender=stranger)
    )
    assert (answer.outcome, answer.request_id, answer.thread_rule) == (
        "appended",
        opened.request_id,
        "own_message_id",
    )


def test_a_reply_threads_onto_our_message_id_set_earlier_in_the_same_transaction(
    uow_factory: UowFactory,
) -> None:
    agent_id = new_agent(uow_factory)
    ours = intake(uow_factory, mail("m1@example.com"))
    with uow_factory() as uow:
        customer = uow.session.scalars(select(Customer)).one()
        reply = post_reply(uow, ours.request_id, agent_id, "Have you tried water?")
        reply.external_id = "sr-late-1@desk.test"  # not flushed yet
        reply_mail = mail("m2@example.com", references=("sr-late-1@desk.test",))
        match = find_thread(uow.session, reply_mail, customer)
        assert match is not None
        assert (match.request.id, match.rule) == (ours.request_id, "own_message_id")


def test_our_message_id_wins_over_a_nearer_customer_message_id(uow_factory: UowFactory) -> None:
    agent_id = new_agent(uow_factory)
    ours = intake(uow_factory, mail("m1@example.com"))
    with uow_factory() as uow:
        reply = post_reply(uow, ours.request_id, agent_id, "Have you tried water?")
        reply.external_id = "sr-reply-1@desk.test"
        uow.commit()
    theirs = intake(uow_factory, mail("t1@example.com", subject="Another thing", text="Other"))
    assert theirs.request_id != ours.request_id
    # Newest first: the customer's own message is the nearer parent, ours the older one.
    references = ("t1@example.com", "sr-reply-1@desk.test")
    answer = intake(uow_factory, mail("m2@example.com", references=references))
    assert (answer.request_id, answer.thread_rule) == (ours.request_id, "own_message_id")
    known = intake(uow_factory, mail("m3@example.com", references=("nope@x", "t1@example.com")))
    assert (known.request_id, known.thread_rule) == (theirs.request_id, "known_message_id")


def test_subject_token_only_threads_for_the_requests_customer(uow_factory: UowFactory) -> None:
    opened = intake(uow_factory, mail("m1@example.com"))
    subject = f"Re: Printer [{opened.reference}]"
    same = intake(uow_factory, mail("m2@example.com", text="still burning", subject=subject))
    assert (same.outcome, same.thread_rule) == ("appended", "subject_token")
    stranger = intake(
        uow_factory,
        mail(
            "m3@evil.test", text="me too", subject=subject, sender=Sender("email", "eve@evil.test")
        ),
    )
    assert stranger.outcome == "created"
    assert stranger.request_id != opened.request_id


def test_address_token_threads(uow_factory: UowFactory) -> None:
    opened = intake(uow_factory, mail("m1@example.com"))
    token_address = f"support+{opened.reference}@desk.test"
    result = intake(
        uow_factory, mail("m2@example.com", subject="hello", recipients=(token_address,))
    )
    assert (result.request_id, result.thread_rule) == (opened.request_id, "address_token")


def test_customer_reply_reopens_a_solved_request(uow_factory: UowFactory) -> None:
    opened = intake(
        uow_factory,
        mail(
            "chat-1", channel="webchat", thread_key="conv-1", sender=Sender("webchat", "visitor-1")
        ),
    )
    with uow_factory() as uow:
        change_status(uow, opened.request_id, Status.SOLVED)
        uow.commit()
    again = intake(
        uow_factory,
        mail(
            "chat-2", channel="webchat", thread_key="conv-1", sender=Sender("webchat", "visitor-1")
        ),
    )
    assert (again.outcome, again.thread_rule) == ("appended", "thread_key")
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, opened.request_id)
        assert request is not None and request.status == Status.OPEN
        assert [e.kind for e in request.events][-1] == "status_changed"


def test_reply_on_closed_request_opens_a_follow_up(uow_factory: UowFactory) -> None:
    opened = intake(uow_factory, mail("m1@example.com"))
    with uow_factory() as uow:
        change_status(uow, opened.request_id, Status.CLOSED)
        uow.commit()
    follow = intake(uow_factory, mail("m2@example.com", subject=f"Re: [{opened.reference}]"))
    assert follow.outcome == "created"
    assert follow.thread_rule == "follow_up:subject_token"


def test_reply_note_assign_and_audit_trail(uow_factory: UowFactory) -> None:
    agent_id = new_agent(uow_factory)
    other_id = new_agent(uow_factory, "Kim", "kim@x.test")
    opened = intake(uow_factory, mail("m1@example.com"))
    with uow_factory() as uow:
        assign_request(uow, opened.request_id, agent_id, agent_id=agent_id)
        post_reply(uow, opened.request_id, agent_id, "On it")
        add_note(uow, opened.request_id, agent_id, "@kim can you check the toner?")
        fired = list(uow.events)
        uow.commit()
        assert uow.events == []
    assert events.NoteAdded in {type(e) for e in fired}
    note_event = next(e for e in fired if isinstance(e, events.NoteAdded))
    assert note_event.mentioned_agent_ids == (other_id,)
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, opened.request_id)
        assert request is not None
        assert [m.direction for m in request.messages] == [
            Direction.INBOUND,
            Direction.OUTBOUND,
            Direction.NOTE,
        ]
        kinds = [e.kind for e in request.events]
        assert kinds == ["opened", "assigned", "replied", "status_changed", "note_added"]
        assert request.status == Status.OPEN
        assert request.first_response_at is not None


def test_stale_reply_is_held(uow_factory: UowFactory) -> None:
    agent_id = new_agent(uow_factory)
    opened = intake(uow_factory, mail("m1@example.com"))
    intake(uow_factory, mail("m2@example.com", text="more", subject=f"[{opened.reference}]"))
    with uow_factory() as uow, pytest.raises(StaleReply) as caught:
        post_reply(uow, opened.request_id, agent_id, "hi", seen_message_id=opened.message_id)
    assert len(caught.value.newer_message_ids) == 1


def test_merge_moves_messages_and_future_replies(uow_factory: UowFactory) -> None:
    agent_id = new_agent(uow_factory)
    first = intake(uow_factory, mail("m1@example.com"))
    second = intake(uow_factory, mail("m2@example.com", text="other", subject="Other thing"))
    with uow_factory() as uow:
        merge_requests(uow, second.request_id, first.request_id, agent_id=agent_id)
        uow.commit()
    with uow_factory() as uow:
        target = uow.session.get(ServiceRequest, first.request_id)
        source = uow.session.get(ServiceRequest, second.request_id)
        assert target is not None and source is not None
        assert len(target.messages) == 2 and source.status == Status.CLOSED
        with pytest.raises(InvalidChange):
            merge_requests(uow, first.request_id, first.request_id, agent_id=agent_id)
    late = intake(uow_factory, mail("m3@example.com", references=("m2@example.com",)))
    assert late.request_id == first.request_id


def test_merging_requests_of_two_customers_needs_a_confirmation_naming_both(
    uow_factory: UowFactory,
) -> None:
    agent_id = new_agent(uow_factory)
    ann = intake(uow_factory, mail("m1@example.com"))
    tom = intake(uow_factory, mail("t1@example.com", sender=Sender("email", "tom@x.test", "Tom")))
    with uow_factory() as uow, pytest.raises(CustomersDiffer) as refused:
        merge_requests(uow, tom.request_id, ann.request_id, agent_id=agent_id)
    assert "Tom <tom@x.test>" in str(refused.value)
    assert "Ann Lee <ann@example.com>" in str(refused.value)
    with uow_factory() as uow:
        assert uow.session.get(ServiceRequest, tom.request_id).merged_into_id is None  # type: ignore[union-attr]
        merge_requests(
            uow, tom.request_id, ann.request_id, agent_id=agent_id, confirm_customers=True
        )
        uow.commit()
    with uow_factory() as uow:
        target = uow.session.get(ServiceRequest, ann.request_id)
        assert target is not None and len(target.messages) == 2
        assert target.events[-1].data["across_customers"] is True


def test_attachments_are_stored_by_content(uow_factory: UowFactory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = AttachmentStore(tmp_path / "att", max_bytes=1000)
    files = (
        AttachmentData("a.txt", "text/plain", b"hello"),
        AttachmentData("b.txt", "text/plain", b"hello"),
    )
    result = intake(uow_factory, mail("m1@example.com", attachments=files), attachments=store)
    with uow_factory() as uow:
        message = uow.session.get(Message, result.message_id)
        assert message is not None
        digests = {a.sha256 for a in message.attachments}
        assert len(message.attachments) == 2 and len(digests) == 1
        assert store.read(digests.pop()) == b"hello"


def test_identity_is_unique_per_kind_and_address(uow_factory: UowFactory) -> None:
    intake(uow_factory, mail("m1@example.com", sender=Sender("email", "ANN@example.com")))
    intake(uow_factory, mail("m2@example.com", text="x", sender=Sender("email", "ann@example.com")))
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count(Customer.id))) == 1
        assert uow.session.scalar(select(func.count(ChannelIdentity.id))) == 1
        assert uow.session.scalar(select(func.count(RequestEvent.id))) >= 1


def test_chat_tagged_reply_by_email_is_answered_by_email(uow_factory: UowFactory) -> None:
    agent_id = new_agent(uow_factory)
    visitor = Sender("webchat", "visitor-9", "Kim")
    opened = intake(
        uow_factory, mail("c-1", channel="webchat", thread_key="conv-9", sender=visitor)
    )
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, opened.request_id)
        assert request is not None
        assert post_reply(uow, request.id, agent_id, "still here?").channel == "webchat"
        link_identity(uow.session, request.customer, "email", "kim@example.com")
        request.tags = [REPLY_BY_EMAIL_TAG]
        assert post_reply(uow, request.id, agent_id, "we emailed you").channel == "email"
