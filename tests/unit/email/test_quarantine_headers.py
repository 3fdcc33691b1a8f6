"""Reading the headers of a mail the parser refused, for the console."""

from __future__ import annotations

from channels.email.quarantine import header_lines


def test_headers_are_unfolded_decoded_and_end_at_the_body() -> None:
    raw = (
        b"From: =?utf-8?b?SsO8cmdlbg==?= <j@customer.example>\r\n"
        b"Subject: a long\r\n"
        b"\tfolded subject\r\n"
        b"X-Broken: =?x-unknown-charset?q?abc?=\r\n"
        b"X-Bytes: caf\xe9\r\n"
        b"\r\n"
        b"Body: not a header\r\n"
    )
    assert header_lines(raw) == [
        ("From", "Jürgen <j@customer.example>"),
        ("Subject", "a long folded subject"),
        ("X-Broken", "=?x-unknown-charset?q?abc?="),
        ("X-Bytes", "caf\ufffd"),
    ]


def test_a_header_flood_is_cut_at_the_limit() -> None:
    raw = b"".join(b"X-N: %d\r\n" % i for i in range(500)) + b"\r\nbody"
    assert len(header_lines(raw, limit=200)) == 200
