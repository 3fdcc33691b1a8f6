"""Parsing in a worker process gives the same results, in order, as parsing inline."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from channels.email.parser import ParseLimits, parse_mail
from channels.email.pipeline import parse_ahead, parse_in_background
from channels.messages import InboundMessage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _without_time(result: object) -> object:
    # received_at is the moment of parsing; everything else must be identical.
    return replace(result, received_at=EPOCH) if isinstance(result, InboundMessage) else result


def test_background_results_equal_inline_results_in_order() -> None:
    raws = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]
    limits = ParseLimits(max_message_bytes=20_000)  # some are refused: Rejected travels too
    own = frozenset({"support@desk.example"})
    inline = [parse_mail(raw, limits, own) for raw in raws]
    background = list(parse_in_background(raws, limits, own, chunk=3))
    assert [_without_time(r) for r in background] == [_without_time(r) for r in inline]
    assert {type(r).__name__ for r in inline} >= {"InboundMessage", "Ignored"}


def test_parsing_ahead_gives_every_mail_once_in_order_with_inline_results() -> None:
    # More chunks than the window holds, so the caller parses some chunks itself (while
    # the worker starts, or taken back) and the worker others: the order must hold.
    raws = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))] * 3
    limits = ParseLimits(max_message_bytes=20_000)
    mails = [(f"m{index}", raw) for index, raw in enumerate(raws)]
    ahead = list(parse_ahead(mails, limits, window=6, chunk=3))
    assert [(source, raw) for source, raw, _parsed in ahead] == mails
    inline = [_without_time(parse_mail(raw, limits)) for raw in raws]
    assert [_without_time(parsed) for _s, _r, parsed in ahead] == inline
