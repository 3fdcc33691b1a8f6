"""A per-connection budget for chat writes: Flask-Limiter only sees HTTP requests, not
Socket.IO events, so a widget connection could otherwise write as fast as it can send."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Far above a person typing (the latency bench sends 12 a minute per customer), far
# below a script flooding the inbox.
WRITES_PER_WINDOW = 30
WINDOW_SECONDS = 60.0


class Budget:
    """At most `limit` spends in any `window` seconds (a sliding window)."""

    def __init__(
        self,
        limit: int = WRITES_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit, self._window, self._clock = limit, window, clock
        self._spent: deque[float] = deque()

    def spend(self) -> bool:
        """Take one write from the budget; False when it is used up (nothing is taken)."""
        now = self._clock()
        while self._spent and now - self._spent[0] >= self._window:
            self._spent.popleft()
        if len(self._spent) >= self._limit:
            return False
        self._spent.append(now)
        return True
