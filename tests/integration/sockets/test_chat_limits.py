"""Chat allowances per visitor and per address, shared through Redis between processes."""

from __future__ import annotations

from servicedesk.sockets.throttle import ALLOWANCES, ChatAction, ChatLimits


def test_per_address_allowance_holds_across_visitors() -> None:
    limits = ChatLimits(None)
    ceiling = ALLOWANCES[ChatAction.NEW_VISITOR].per_address
    assert ceiling is not None
    allowed = [
        limits.allow(ChatAction.NEW_VISITOR, None, "203.0.113.7") for _ in range(ceiling.amount)
    ]
    assert all(allowed)
    assert not limits.allow(ChatAction.NEW_VISITOR, None, "203.0.113.7")
    assert limits.allow(ChatAction.NEW_VISITOR, None, "203.0.113.8")  # another address


def test_typing_is_limited_per_visitor() -> None:
    limits = ChatLimits(None, per_address=False)
    per_visitor = ALLOWANCES[ChatAction.TYPING].per_visitor
    assert per_visitor is not None
    spent = [limits.allow(ChatAction.TYPING, "v-1", "::1") for _ in range(per_visitor.amount + 1)]
    assert spent[-1] is False and all(spent[:-1])
    assert limits.allow(ChatAction.TYPING, "v-2", "::1")


def test_two_processes_share_one_allowance_through_redis(redis_url: str) -> None:
    first, second = ChatLimits(redis_url), ChatLimits(redis_url)  # as two web processes
    per_visitor = ALLOWANCES[ChatAction.WRITE].per_visitor
    assert per_visitor is not None
    half = per_visitor.amount // 2
    assert all(first.allow(ChatAction.WRITE, "v-1", "198.51.100.1") for _ in range(half))
    rest = per_visitor.amount - half
    assert all(second.allow(ChatAction.WRITE, "v-1", "198.51.100.2") for _ in range(rest))
    assert not first.allow(ChatAction.WRITE, "v-1", "198.51.100.1")
    assert not second.allow(ChatAction.WRITE, "v-1", "198.51.100.3")
