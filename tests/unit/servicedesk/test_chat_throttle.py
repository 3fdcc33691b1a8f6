"""The chat limits' in-memory storage: no timer per hit, expired entries swept now and then."""

from __future__ import annotations

import time

from limits import parse
from limits.strategies import MovingWindowRateLimiter

from servicedesk.sockets.throttle import (
    SWEEP_SECONDS,
    ChatAction,
    ChatLimits,
    SweptMemoryStorage,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hits_start_no_expiry_timer() -> None:
    """The library's storage starts a thread (a greenlet under gevent) 10 ms after a hit,
    which walks every key: with 500 visitors, a walk every 10 ms on the event loop."""
    storage = SweptMemoryStorage()
    storage.timer.join()  # the one the library's constructor starts
    first = storage.timer
    limiter = MovingWindowRateLimiter(storage)
    for visitor in range(200):
        limiter.hit(parse("30/minute"), "chat", "write", "visitor", str(visitor))
    assert storage.timer is first and not first.is_alive()


def test_expired_entries_are_swept_after_the_sweep_interval() -> None:
    clock = FakeClock()
    storage = SweptMemoryStorage(clock=clock)
    limiter = MovingWindowRateLimiter(storage)
    one_second = parse("2/second")
    assert limiter.hit(one_second, "old")
    time.sleep(1.05)  # the entry leaves its window (the library stamps wall time)
    assert limiter.hit(one_second, "new")
    assert storage.keys_held() == 2  # not swept yet: no walk per hit
    clock.now += SWEEP_SECONDS
    assert limiter.hit(one_second, "newer")
    assert storage.keys_held() == 2  # "old" dropped; "new" and "newer" are in their window


def test_limits_hold_without_a_sweep() -> None:
    """Whether a hit is allowed never waits for a sweep: the window is read per hit."""
    limits = ChatLimits(None, per_address=False)
    assert isinstance(limits.storage, SweptMemoryStorage)
    allowed = [limits.allow(ChatAction.WRITE, "v-1", None) for _ in range(31)]
    assert all(allowed[:30]) and not allowed[30]
    assert limits.allow(ChatAction.WRITE, "v-2", None)  # another visitor, its own allowance


def test_per_address_allowance_spans_visitors_on_one_storage() -> None:
    """Reconnects and new visitors from one address spend one allowance (one storage)."""
    limits = ChatLimits(None)
    visitors = [limits.allow(ChatAction.WRITE, f"v-{n}", "203.0.113.9") for n in range(301)]
    assert all(visitors[:300]) and not visitors[300]
