"""Time of one assignment decision over N online agents (pure policy, no database)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

from servicedesk.desk.routing.policies import POLICIES, Candidate, Need, choose_agent


def decision_time(agents: int = 200, rounds: int = 2000) -> dict[str, Any]:
    rng = random.Random(0)
    now = datetime.now(UTC)
    pool = [
        Candidate(
            i,
            f"agent{i}",
            "online",
            now,
            8,
            rng.randint(0, 8),
            frozenset(rng.sample(["billing", "technical", "sales", "returns"], 2)),
            frozenset(rng.sample(["en", "de", "fr", "es"], 2)),
        )
        for i in range(agents)
    ]
    timings = []
    for turn in range(rounds):
        need = Need("billing", "de", previous_agent_id=turn % agents)
        started = time.perf_counter()
        choose_agent(
            POLICIES[turn % len(POLICIES)], pool, need, now, last_assigned_id=turn % agents
        )
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "agents": agents,
        "p50_ms": round(timings[len(timings) // 2], 3),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 3),
    }
