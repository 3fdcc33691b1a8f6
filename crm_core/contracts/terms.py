"""The rules of a contract, without SQL: its status on a day, the channels it covers, the
entitlement left, and which of several contracts covers a request.

Picking rule (one contract wins): among the contracts in force on the day that cover
the request's channel, held by the customer or by their organisation,

1. one with entitlement left beats an exhausted one (a customer is served by any
   contract that still covers them);
2. then the customer's own contract beats their organisation's;
3. then the one that started last (the newest terms), then the highest id.

So an exhausted contract wins only when every candidate is exhausted: the request then
opens flagged and on the default SLA.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from crm_core.contracts.models import Contract, ContractStatus

# The desk's channels (crm_core cannot import `channels`): what a contract may cover.
CHANNELS = ("email", "slack", "webchat", "portal")


def status_on(contract: Contract, day: date) -> ContractStatus:
    """The stored status, with an active contract past its end date read as expired."""
    if contract.status == ContractStatus.ACTIVE and day > contract.ends_on:
        return ContractStatus.EXPIRED
    return contract.status


def in_force(contract: Contract, day: date) -> bool:
    """Active, started and not yet ended on `day` (both ends of the term included)."""
    return status_on(contract, day) == ContractStatus.ACTIVE and contract.starts_on <= day


def covers_channel(contract: Contract, channel: str) -> bool:
    """An empty channel list covers every channel."""
    return not contract.channels or channel in contract.channels


@dataclass(frozen=True)
class Entitlement:
    """What a contract includes and what requests used; None included means unlimited."""

    incidents_included: int | None
    incidents_used: int = 0
    minutes_included: int | None = None
    minutes_used: int = 0

    @property
    def incidents_left(self) -> int | None:
        if self.incidents_included is None:
            return None
        return max(0, self.incidents_included - self.incidents_used)

    @property
    def minutes_left(self) -> int | None:
        if self.minutes_included is None:
            return None
        return max(0, self.minutes_included - self.minutes_used)

    @property
    def exhausted(self) -> bool:
        """No incident or no minute left of a limited measure."""
        return self.incidents_left == 0 or self.minutes_left == 0

    def with_incident(self) -> Entitlement:
        return replace(self, incidents_used=self.incidents_used + 1)

    def with_minutes(self, minutes: int) -> Entitlement:
        return replace(self, minutes_used=self.minutes_used + minutes)

    def summary(self) -> str:
        """`3 of 10 incidents left, 4.5 of 20 hours left` (or `unlimited`)."""
        parts = []
        if self.incidents_included is not None:
            parts.append(f"{self.incidents_left} of {self.incidents_included} incidents left")
        if self.minutes_included is not None:
            left, total = hours(self.minutes_left or 0), hours(self.minutes_included)
            parts.append(f"{left} of {total} hours left")
        return ", ".join(parts) or "unlimited"


def hours(minutes: int) -> str:
    """Minutes as hours with at most two decimals: 90 -> `1.5`."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Candidate:
    """A contract that could cover a request, with its entitlement so far."""

    contract: Contract
    held_by_person: bool
    entitlement: Entitlement


def pick_candidate(candidates: Iterable[Candidate]) -> Candidate | None:
    """The winner by the picking rule of this module's docstring."""

    def rank(candidate: Candidate) -> tuple[bool, bool, int, int]:
        contract = candidate.contract
        return (
            candidate.entitlement.exhausted,
            not candidate.held_by_person,
            -contract.starts_on.toordinal(),
            -(contract.id or 0),
        )

    return min(candidates, key=rank, default=None)
