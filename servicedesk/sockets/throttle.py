"""Allowances for the chat widget's socket events, per visitor and per client address.

Flask-Limiter only sees HTTP requests, not Socket.IO events, so the chat namespace asks
the `limits` library (what Flask-Limiter stands on) itself. The counts live in Redis when
it is configured, so several web processes share one allowance and a reconnect (or a
new connection to another process) starts from what was already spent; in memory otherwise
(`SweptMemoryStorage`: the library's memory storage without its 10 ms expiry timer).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


class ChatAction(StrEnum):
    """What a widget does that costs the desk something."""

    WRITE = "write"  # a message or the pre-chat form: stored
    CONNECT = "connect"  # a socket (re)connect: a query to find the conversation
    NEW_VISITOR = "new-visitor"  # a connect without a token: a new identity on first write
    TYPING = "typing"  # typing and read receipts: relayed to every agent viewing the request


@dataclass(frozen=True)
class Allowance:
    """Per visitor and per address; None means that key is not limited for the action."""

    per_visitor: RateLimitItem | None
    per_address: RateLimitItem | None


# A visitor's messages and pre-chat forms per minute (tests send one more and are refused).
WRITES_PER_WINDOW = 30
# Per visitor: far above a person typing (the latency bench sends 12 a minute per customer),
# far below a script flooding the inbox. Per address: an office or a mobile carrier puts
# many people behind one address, so it is a ceiling for scripts, not for people.
ALLOWANCES = {
    ChatAction.WRITE: Allowance(parse(f"{WRITES_PER_WINDOW}/minute"), parse("300/minute")),
    ChatAction.CONNECT: Allowance(parse("30/minute"), parse("300/minute")),
    ChatAction.NEW_VISITOR: Allowance(None, parse("60/10minutes")),
    ChatAction.TYPING: Allowance(parse("120/minute"), parse("1200/minute")),
}


# How often the in-memory storage drops the entries that left every window.
SWEEP_SECONDS = 30.0


class SweptMemoryStorage(MemoryStorage):
    """`limits`' memory storage, sweeping expired entries every `SWEEP_SECONDS` on a hit.

    The library's own storage starts a timer thread 10 ms after a hit that walks every key;
    with 500 chat visitors at 100 messages a second that is a walk of every visitor's keys
    every 10 ms, on the event loop under gevent (a greenlet): CPU per message and stalls.
    The sweep only bounds memory; whether a hit is allowed never depends on it (a moving
    window compares the entry's time, a fixed window's `get` expires its key itself).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next_sweep = clock() + SWEEP_SECONDS
        super().__init__()

    # Replaces the library's private scheduler (the one that starts the timer thread).
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the name it replaces)
        now = self._clock()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
            # The library keeps a key whose entries all expired; drop it, or the next
            # sweep walks every visitor that ever wrote.
            for key in [key for key, entries in self.events.items() if not entries]:
                with self.locks[key]:  # as the library's own walk: a hit may be adding
                    if not self.events.get(key):
                        self.events.pop(key, None)
                        self.locks.pop(key, None)

    def keys_held(self) -> int:
        """How many keys hold entries or counters (what the next sweep walks)."""
        return len(self.events) + len(self.storage)


def chat_storage(storage_url: str | None) -> Storage:
    """Redis (or any `limits` URL) when set, else this process's swept memory."""
    return storage_from_string(storage_url) if storage_url else SweptMemoryStorage()


class ChatLimits:
    """`allow(action, visitor_id, address)` spends one unit of the action's allowance.

    `per_address=False` (while testing and benchmarking, as Flask-Limiter is switched off
    then) leaves only the per-visitor allowance, because every local client shares 127.0.0.1.
    """

    def __init__(self, storage_url: str | None, *, per_address: bool = True) -> None:
        self.storage = chat_storage(storage_url)
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._per_address = per_address

    def allow(self, action: ChatAction, visitor_id: str | None, address: str | None) -> bool:
        """False when the visitor or the address has used up the action's allowance."""
        allowance = ALLOWANCES[action]
        keys: list[tuple[RateLimitItem, str, str]] = []
        if allowance.per_visitor is not None and visitor_id:
            keys.append((allowance.per_visitor, "visitor", visitor_id))
        if self._per_address and allowance.per_address is not None and address:
            keys.append((allowance.per_address, "address", address))
        try:
            # One round trip per key; once one refuses, the next is not spent.
            return all(self._limiter.hit(item, "chat", action, kind, k) for item, kind, k in keys)
        except Exception:
            # A Redis outage must not stop the chat; the HTTP limits still hold.
            log.exception("chat limits unavailable; allowing %s", action)
            return True
