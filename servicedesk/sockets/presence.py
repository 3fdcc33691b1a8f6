"""Agent presence (online, away, offline) and who is viewing or typing on a request.

Presence is stored on the agent row (the router reads it). Viewers and typists are
ephemeral and kept per process: with several web processes each shows its own share.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Collision:
    """Sockets per agent, and which agents view each request; thread-safe."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sockets: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    _viewing: dict[int, dict[str, tuple[int, str]]] = field(
        default_factory=lambda: defaultdict(dict)
    )

    def connected(self, agent_id: int, sid: str) -> None:
        with self._lock:
            self._sockets[agent_id].add(sid)

    def disconnected(self, agent_id: int, sid: str) -> tuple[bool, list[int]]:
        """Forget the socket; returns (agent has no socket left, requests it was viewing)."""
        with self._lock:
            self._sockets[agent_id].discard(sid)
            last = not self._sockets[agent_id]
            left = [rid for rid, viewers in self._viewing.items() if viewers.pop(sid, None)]
        return last, left

    def view(self, request_id: int, sid: str, agent_id: int, name: str) -> None:
        with self._lock:
            self._viewing[request_id][sid] = (agent_id, name)

    def leave(self, request_id: int, sid: str) -> None:
        with self._lock:
            self._viewing[request_id].pop(sid, None)

    def viewers(self, request_id: int) -> list[dict[str, object]]:
        with self._lock:
            unique = dict(self._viewing[request_id].values())
        return [{"agent_id": a, "name": n} for a, n in sorted(unique.items())]
