"""How long each greenlet held a gevent event loop: where a server's p99 tails come from.

Under gevent one greenlet runs at a time; while it runs, no other socket is served. A
`greenlet.settrace` hook timestamps every switch on the hub's thread, so each run's
duration is known exactly (not sampled, unlike gevent's monitor thread). Runs of at
least `threshold` seconds are counted by what ran: the greenlet's function and the
innermost frames of the project's code where it stopped, e.g. a lane storing results
(`desk.suggestions._store_chunk`) or a message handler (`sockets.chat.on_message`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from types import FrameType
from typing import Any

PROJECT = ("/servicedesk/", "/crm_core/", "/knowledge/", "/channels/")
BUCKETS_MS = (5, 10, 20, 50)


class LoopStalls:
    """Install with `install()`; `summary()` reads and resets what was counted."""

    def __init__(self, threshold: float = 0.005) -> None:
        self.threshold = threshold
        self._gc_started = 0.0
        self._reset()

    def _reset(self) -> None:
        self._since = time.thread_time()
        self._runs = 0
        self._over: dict[int, int] = dict.fromkeys(BUCKETS_MS, 0)
        self._by_label: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        self._longest = 0.0
        self._gc: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    def install(self) -> None:
        import gc

        import greenlet

        greenlet.settrace(self._switched)
        gc.callbacks.append(self._collected)

    def _collected(self, phase: str, info: dict[str, Any]) -> None:
        """Garbage collections by generation: how many, their CPU in all and the longest."""
        if phase == "start":
            self._gc_started = time.thread_time()
            return
        spent = time.thread_time() - self._gc_started
        entry = self._gc[info["generation"]]
        entry[0] += 1
        entry[1] += spent
        entry[2] = max(entry[2], spent)

    def _switched(self, event: str, args: Any) -> None:
        if event not in ("switch", "throw"):
            return
        now = time.thread_time()
        spent, self._since = now - self._since, now
        self._runs += 1
        if spent < self.threshold:
            return
        origin = args[0]
        for bucket in BUCKETS_MS:
            if spent * 1000 >= bucket:
                self._over[bucket] += 1
        self._longest = max(self._longest, spent)
        entry = self._by_label[_label(origin)]
        entry[0] += 1
        entry[1] += spent
        entry[2] = max(entry[2], spent)

    def summary(self) -> dict[str, Any]:
        """The counts since the last summary (then starts afresh)."""
        top = sorted(self._by_label.items(), key=lambda item: -item[1][1])[:12]
        result = {
            "switches": self._runs,
            **{f"runs_over_{ms}ms": count for ms, count in self._over.items()},
            "cpu_in_long_runs_ms": round(sum(t for _n, t, _m in self._by_label.values()) * 1000),
            "longest_ms": round(self._longest * 1000, 1),
            "gc_by_generation": {
                generation: {
                    "runs": int(n),
                    "total_ms": round(t * 1000),
                    "max_ms": round(m * 1000, 1),
                }
                for generation, (n, t, m) in sorted(self._gc.items())
            },
            "by_what_ran": [
                {
                    "what": label,
                    "runs": int(n),
                    "total_ms": round(t * 1000),
                    "max_ms": round(m * 1000, 1),
                }
                for label, (n, t, m) in top
            ],
        }
        self._reset()
        return result


def _label(origin: Any) -> str:
    """The greenlet's function and where in the project's code it stopped."""
    run = getattr(origin, "_run", None) or getattr(origin, "run", None)
    name = getattr(run, "__qualname__", None) or type(origin).__name__
    frames = _project_frames(getattr(origin, "gr_frame", None))
    return f"{name} @ {' < '.join(frames)}" if frames else name


def _project_frames(frame: FrameType | None, limit: int = 3) -> list[str]:
    found: list[str] = []
    while frame is not None and len(found) < limit:
        path = frame.f_code.co_filename
        if any(part in path for part in PROJECT):
            module = path.rsplit("/", 2)
            found.append(f"{module[-2]}.{module[-1].removesuffix('.py')}.{frame.f_code.co_name}")
        frame = frame.f_back
    return found
