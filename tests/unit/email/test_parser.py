"""The email parser on the fixture mails we wrote, one rule each."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from channels.base import Ignored, Rejected
from channels.email.automated import Bounce
from channels.email.parser import ParseLimits, parse_mail
from channels.messages import InboundMessage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
OWN = frozenset({"support@desk.example"})


def parse(name: str, limits: ParseLimits | None = None, **subs: str) -> object:
    raw = (FIXTURES / name).read_bytes()
    for old, new in subs.items():
        raw = raw.replace(old.encode(), new.encode())
    return parse_mail(raw, limits, OWN)


def inbound(name: str, **subs: str) -> InboundMessage:
    result = parse(name, **subs)
    assert isinstance(result, InboundMessage), result
    return result


def test_gmail_reply_fills_threading_facts_and_strips_the_quote() -> None:
    message = inbound("gmail_reply.eml", **{"OUR-MESSAGE-ID": "sr-1001.m2@desk.example"})
    assert message.external_id == "CAGmail-reply-0002@mail.gmail.com"
    # In-Reply-To first, then References newest first, no repeats.
    assert message.references == ("sr-1001.m2@desk.example", "CAGmail-new-0001@mail.gmail.com")
    assert message.sender.address == "alice@customer.example"
    assert message.sender.display_name == "Alice Example"
    assert message.text == "It works again, thank you!"
    assert "we replaced the roller" in (message.original_text or "")
    assert message.recipients == ("support@desk.example",)


def test_sender_address_is_lowercased_and_delivered_to_counts_as_recipient() -> None:
    message = inbound("gmail_new.eml")
    assert message.sender.address == "alice@customer.example"
    assert "support@desk.example" in message.recipients
    assert message.html is not None and "paper jam" in message.html


def test_outlook_reply_strips_the_german_header_block_and_decodes_latin1() -> None:
    message = inbound("outlook_reply.eml")
    assert message.text == "Danke, die Rechnung ist jetzt korrekt.\n\nGrüße\nBob"
    assert message.html is not None and "<script>" not in message.html
    assert "alert(1)" not in message.html


def test_references_without_in_reply_to_are_kept_newest_first() -> None:
    message = inbound("references_only.eml", **{"OUR-MESSAGE-ID": "sr-1001.m2@desk.example"})
    assert message.references == ("sr-1001.m2@desk.example", "unrelated-0000@elsewhere.example")


def test_plus_address_recipient_is_reported() -> None:
    message = inbound("plus_address.eml", **{"SR-TOKEN": "SR-1001"})
    assert message.recipients == ("support+sr-1001@desk.example",)


@pytest.mark.parametrize(
    ("name", "reason_part"),
    [
        ("auto_reply_oof.eml", "Auto-Submitted"),
        ("x_autoreply.eml", "X-Autoreply"),
        ("precedence_bulk.eml", "Precedence: bulk"),
        ("list_autoreply.eml", "List-Id"),
        ("from_own_address.eml", "our own address"),
    ],
)
def test_automated_mail_is_ignored_with_its_reason(name: str, reason_part: str) -> None:
    result = parse(name)
    assert isinstance(result, Ignored) and not isinstance(result, Bounce)
    assert reason_part in result.reason


def test_auto_submitted_no_is_a_human() -> None:
    raw = (FIXTURES / "auto_reply_oof.eml").read_bytes().replace(b"auto-replied", b"no")
    assert isinstance(parse_mail(raw), InboundMessage)


def test_bounce_names_the_failed_recipient() -> None:
    result = parse("bounce_dsn.eml")
    assert isinstance(result, Bounce)
    assert result.failed_recipients == ("alice@customer.example",)


def test_broken_charsets_fall_back_without_crashing() -> None:
    message = inbound("broken_charset.eml")
    assert message.subject == "Grüße aus Köln"
    assert message.sender.display_name == "Jörg"
    assert "Labelled ascii but UTF-8: Köln." in message.text
    assert "stimmt nicht" in message.text


def test_missing_message_id_gets_a_stable_synthetic_one() -> None:
    first, second = inbound("no_message_id.eml"), inbound("no_message_id.eml")
    assert first.external_id == second.external_id
    assert first.external_id.endswith("@synthesised.invalid")
    raw = (FIXTURES / "no_message_id.eml").read_bytes() + b"\nanother line\n"
    other = parse_mail(raw)
    assert isinstance(other, InboundMessage) and other.external_id != first.external_id


def test_same_message_id_with_different_content_differs_in_content_hash() -> None:
    first, second = inbound("duplicate_id_a.eml"), inbound("duplicate_id_b.eml")
    assert first.external_id == second.external_id
    assert first.content_hash != second.content_hash


def test_uuencoded_block_becomes_an_attachment() -> None:
    message = inbound("uuencode.eml")
    assert message.text == "See the attached log."
    (attachment,) = message.attachments
    assert attachment.filename == "report.csv"
    assert attachment.content == b"col1,col2\nprinter,E-204\n"


def test_forwarded_message_is_kept_as_eml_and_its_text_shown() -> None:
    message = inbound("forwarded_rfc822.eml")
    assert message.text.startswith("See below, the amount is wrong.")
    assert "Amount due: 1,200.00 EUR" in message.text
    (attachment,) = message.attachments
    assert attachment.content_type == "message/rfc822"
    assert b"inv-7788@vendor.example" in attachment.content


def test_inline_image_with_rfc2231_filename_and_sanitised_html() -> None:
    message = inbound("inline_image.eml")
    (image,) = message.attachments
    assert image.inline and image.content_id == "shot1@customer.example"
    assert image.filename == "Bildschirmfoto ü.png"
    assert image.content.startswith(b"\x89PNG")
    assert message.html is not None
    assert "onerror" not in message.html and "javascript:" not in message.html
    assert message.text.startswith("Look at this:")  # plain text derived from the HTML


def test_encoded_word_attachment_name_and_signature_stripped() -> None:
    message = inbound("attachment_pdf.eml")
    assert message.subject == "Rechnung über 100€"
    assert message.text == "Attached the invoice."
    assert [a.filename for a in message.attachments] == ["Rechnung März.pdf"]


def test_oversized_attachment_is_left_out_and_said_so() -> None:
    limits = ParseLimits(attachment_max_bytes=20)
    result = parse("attachment_pdf.eml", limits)
    assert isinstance(result, InboundMessage)
    assert result.attachments == ()
    assert "Rechnung März.pdf" in result.extra["omitted_attachments"]
    assert "Attachments not kept" in result.text


def test_too_large_message_is_rejected() -> None:
    result = parse("gmail_new.eml", ParseLimits(max_message_bytes=100))
    assert isinstance(result, Rejected) and "too large" in result.reason


def _nested(depth: int) -> bytes:
    inner = b"From: a@b.example\r\nSubject: inner\r\n\r\nhello\r\n"
    for level in range(depth):
        inner = (
            b"From: a@b.example\r\nSubject: level %d\r\nContent-Type: message/rfc822\r\n\r\n"
            % level
            + inner
        )
    return inner


def test_too_deep_nesting_is_rejected_quickly() -> None:
    result = parse_mail(_nested(40), ParseLimits(max_depth=12))
    assert isinstance(result, Rejected) and "nested" in result.reason
    assert isinstance(parse_mail(_nested(3)), InboundMessage)


def test_slow_parse_is_rejected_not_hung() -> None:
    big = b"From: a@b.example\r\nSubject: x\r\n\r\n" + b"line of text\r\n" * 400_000
    result = parse_mail(big, ParseLimits(max_seconds=0.0))
    assert isinstance(result, Rejected) and "too long" in result.reason


def test_header_junk_before_the_headers_is_repaired() -> None:
    raw = b"---- Original email message ----\r\nFrom: x@y.example\r\nSubject: hi\r\n\r\nbody\r\n"
    result = parse_mail(raw)
    assert isinstance(result, InboundMessage)
    assert result.sender.address == "x@y.example" and result.subject == "hi"


def test_no_sender_at_all_is_rejected_with_reason() -> None:
    result = parse_mail(b"Subject: nobody\r\n\r\nhello\r\n")
    assert isinstance(result, Rejected) and "no sender" in result.reason


def test_garbage_never_raises() -> None:
    for raw in (b"", b"\x00\xff" * 100, b"Content-Type: multipart/mixed\r\n\r\n--", b":::\r\n"):
        assert isinstance(parse_mail(raw), Rejected | InboundMessage | Ignored)


def test_html_only_mail_gets_plain_text_with_quotes_removed() -> None:
    raw = (
        b"From: k@c.example\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<div>New answer</div><blockquote><div>On Mon, X wrote:</div>old text</blockquote>"
    )
    result = parse_mail(raw)
    assert isinstance(result, InboundMessage)
    assert result.text == "New answer"
    assert "old text" in (result.original_text or "")


def test_stdlib_get_content_trap_is_avoided() -> None:
    # An unknown charset makes EmailMessage.get_content() raise LookupError.
    raw = b"From: a@b.example\r\nContent-Type: text/plain; charset=bogus-42\r\n\r\nhej\r\n"
    part = email.message_from_bytes(raw, policy=policy.default)
    with pytest.raises(LookupError):
        part.get_content()  # type: ignore[attr-defined]
    result = parse_mail(raw)
    assert isinstance(result, InboundMessage) and result.text == "hej"


def _mail(body: str, content_type: str) -> InboundMessage:
    raw = (
        "From: Kim <kim@customer.example>\r\nTo: support@desk.example\r\nSubject: t\r\n"
        f"Message-ID: <t@customer.example>\r\nMIME-Version: 1.0\r\nContent-Type: {content_type}\r\n"
        f"\r\n{body}"
    ).encode()
    result = parse_mail(raw, None, OWN)
    assert isinstance(result, InboundMessage), result
    return result


def test_multipart_whose_boundary_never_occurs_is_read_with_the_one_used() -> None:
    body = (
        "--used-instead\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "The printer is jammed.\r\n"
        "--used-instead\r\nContent-Type: application/pdf; name=scan.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--used-instead--\r\n"
    )
    message = _mail(body, 'multipart/mixed; boundary="declared-but-absent"')
    assert message.text == "The printer is jammed."
    assert [(a.filename, a.content) for a in message.attachments] == [("scan.pdf", b"%PDF-1.4\n")]


def test_multipart_without_any_boundary_is_plain_text() -> None:
    message = _mail("Just words.\r\n", 'multipart/alternative; boundary="nope"')
    assert message.text == "Just words." and message.attachments == ()


def test_files_inside_a_forwarded_mail_are_attachments_too() -> None:
    body = (
        "--outer\r\nContent-Type: text/plain\r\n\r\nSee the forward.\r\n"
        "--outer\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: Billing <billing@vendor.example>\r\nSubject: invoice\r\n"
        'Content-Type: multipart/mixed; boundary="inner"\r\n\r\n'
        "--inner\r\nContent-Type: text/plain\r\n\r\nAmount due.\r\n"
        "--inner\r\nContent-Type: image/png; name=logo.png\r\nContent-ID: <logo>\r\n"
        "Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n"
        "--inner--\r\n--outer--\r\n"
    )
    message = _mail(body, 'multipart/mixed; boundary="outer"')
    names = [(a.filename, a.inline) for a in message.attachments]
    assert names == [("invoice.eml", False), ("logo.png", False)]
    assert "Amount due." in message.text


def test_named_part_with_an_invalid_content_type_is_a_file() -> None:
    body = (
        "--b\r\nContent-Type: text/plain\r\n\r\nSee file.\r\n"
        '--b\r\nContent-Type: BINARY;name="tool.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        "AAEC\r\n--b--\r\n"
    )
    message = _mail(body, 'multipart/mixed; boundary="b"')
    assert message.text == "See file."
    assert [(a.filename, a.content) for a in message.attachments] == [("tool.bin", b"\x00\x01\x02")]
