"""The mail bench's repeated set: each later copy is a new set that threads like the original."""

from __future__ import annotations

from bench.email_corpus import repeated_set
from channels.email.parser import parse_mail
from channels.messages import InboundMessage

FIRST = (
    b"From mbox-line Thu May  3 12:04:29 2012\n"
    b"From: Ann <ann@example.com>\nTo: desk@example.org\nSubject: hello\n"
    b"Message-ID: <one@example.com>\n\nfirst\n"
)
REPLY = (
    b"From: Bob <bob@example.com>\nTo: desk@example.org\nSubject: Re: hello\n"
    b"Message-Id:\n <two@example.com>\nIn-Reply-To: <one@example.com>\n"
    b"References: <zero@example.com>,\n\t<one@example.com>\n\nreply\n"
)
NO_ID = b"From: Cy <cy@example.com>\nSubject: no id\n\nbody\n"


def _parsed(raw: bytes) -> InboundMessage:
    result = parse_mail(raw)
    assert isinstance(result, InboundMessage)
    return result


def test_a_later_copy_has_its_own_ids_and_senders_and_replies_point_into_it() -> None:
    raws = [FIRST, REPLY, NO_ID, REPLY]
    copies = repeated_set(raws, 3)
    assert copies[:4] == raws  # the first copy is the original
    first, reply, no_id = (_parsed(raw) for raw in copies[8:11])
    assert first.external_id == "b2.one@example.com"
    assert first.sender.address == "ann@c2.example.com"
    assert reply.external_id == "b2.two@example.com"
    assert reply.references == ("b2.one@example.com", "b2.zero@example.com")
    assert copies[9] == copies[11]  # the same bytes twice stay a repeat within the copy
    assert _parsed(copies[6]).external_id != no_id.external_id  # new bytes, new synthetic id
    assert (first.text, reply.text, no_id.subject) == ("first", "reply", "no id")
