"""Service report: first response and resolution times, SLA attainment, by dimension.

Times are wall-clock minutes from opening (median and 90th percentile, nearest rank);
attainment is the share of requests under an SLA policy that never breached a clock.
Requests count in the period they were opened; merged ones count in their target.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.sla.models import SlaBreach, SlaClock

DIMENSIONS = ("team", "agent", "channel", "priority", "category")


@dataclass(frozen=True)
class Group:
    dimension: str
    value: str
    requests: int
    first_response_median_min: float | None
    first_response_p90_min: float | None
    resolution_median_min: float | None
    resolution_p90_min: float | None
    sla_requests: int
    sla_met: int
    attainment_pct: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Sample:
    keys: dict[str, str]
    first_response: float | None
    resolution: float | None
    under_sla: bool
    breached: bool


def service_report(session: Session, start: datetime, end: datetime) -> list[Group]:
    """Every dimension's groups, plus an `all` row, for requests opened in [start, end)."""
    samples = list(_samples(session, start, end))
    groups = [_group("all", "all", samples)]
    for dimension in DIMENSIONS:
        buckets: dict[str, list[Sample]] = defaultdict(list)
        for sample in samples:
            buckets[sample.keys[dimension]].append(sample)
        groups.extend(_group(dimension, value, items) for value, items in sorted(buckets.items()))
    return groups


def _samples(session: Session, start: datetime, end: datetime) -> Iterable[Sample]:
    requests = session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.created_at >= start,
            ServiceRequest.created_at < end,
            ServiceRequest.merged_into_id.is_(None),
        )
        .options(selectinload(ServiceRequest.team), selectinload(ServiceRequest.assignee))
    ).all()
    ids = [r.id for r in requests]
    breached = set(
        session.scalars(select(SlaBreach.request_id).where(SlaBreach.request_id.in_(ids)))
    )
    breached |= set(
        session.scalars(
            select(SlaClock.request_id).where(
                SlaClock.request_id.in_(ids), SlaClock.breached_at.is_not(None)
            )
        )
    )
    for request in requests:
        opened = _aware(request.created_at)
        yield Sample(
            keys={
                "team": request.team.name if request.team else "(no team)",
                "agent": request.assignee.name if request.assignee else "(unassigned)",
                "channel": request.channel,
                "priority": request.priority.value,
                "category": request.category or "(none)",
            },
            first_response=_minutes(opened, request.first_response_at),
            resolution=_minutes(opened, request.solved_at),
            under_sla=request.sla_policy is not None,
            breached=request.id in breached,
        )


def _group(dimension: str, value: str, samples: list[Sample]) -> Group:
    first = sorted(s.first_response for s in samples if s.first_response is not None)
    resolution = sorted(s.resolution for s in samples if s.resolution is not None)
    under = [s for s in samples if s.under_sla]
    met = sum(1 for s in under if not s.breached)
    return Group(
        dimension,
        value,
        len(samples),
        percentile(first, 50),
        percentile(first, 90),
        percentile(resolution, 50),
        percentile(resolution, 90),
        len(under),
        met,
        round(100 * met / len(under), 1) if under else None,
    )


def percentile(ordered: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of sorted values (None when there are none)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def _minutes(opened: datetime, at: datetime | None) -> float | None:
    if at is None:
        return None
    return max(0.0, (_aware(at) - opened).total_seconds() / 60)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


CSV_COLUMNS = list(Group.__dataclass_fields__)
