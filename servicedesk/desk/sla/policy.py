"""SLA policies: which requests they cover (conditions, first match wins) and their targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from servicedesk.desk.conditions import Condition, all_hold, conditions_from_dicts

CLOCKS = ("first_response", "next_response", "resolution")
PRIORITIES = ("low", "normal", "high", "urgent")


@dataclass(frozen=True)
class Escalation:
    """What happens when a clock breaches."""

    notify_lead: bool = True
    raise_priority: bool = True
    reassign_team: str | None = None  # a team's name
    notify_rep: bool = True  # the CRM rep, through the rep notifier port (Slack)


@dataclass(frozen=True)
class SlaPolicy:
    """Targets in minutes of calendar time, per priority and clock."""

    name: str
    conditions: tuple[Condition, ...] = ()
    calendar: str = "24/7"
    targets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    warn_before_minutes: int = 30
    escalation: Escalation = Escalation()
    id: int | None = None

    def target(self, priority: str, clock: str) -> int | None:
        """Minutes allowed for `clock` at `priority`, or None when the policy sets none."""
        return self.targets.get(priority, {}).get(clock)


def select_policy(policies: Sequence[SlaPolicy], facts: Mapping[str, Any]) -> SlaPolicy | None:
    """The first policy, in order, whose conditions all hold.

    A policy's contract conditions are tested after its others: `facts` may read the
    contract only when asked (a query), and a chat never meets "email and gold contract".
    """
    for policy in policies:
        if all_hold(sorted(policy.conditions, key=_reads_the_contract), facts):
            return policy
    return None


def _reads_the_contract(condition: Condition) -> bool:
    return condition.fact.startswith("contract.")


def policy_from_dict(data: Mapping[str, Any], *, policy_id: int | None = None) -> SlaPolicy:
    """A policy from its stored (or YAML) form; errors name the policy and the field."""
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValueError("policy: a name is required")
    targets: dict[str, dict[str, int]] = {}
    for priority, clocks in (data.get("targets") or {}).items():
        if priority not in PRIORITIES:
            raise ValueError(f"policy {name!r}: targets: unknown priority {priority!r}")
        targets[priority] = {}
        for clock, minutes in (clocks or {}).items():
            if clock not in CLOCKS:
                raise ValueError(f"policy {name!r}: targets: unknown clock {clock!r}")
            if not isinstance(minutes, int) or minutes <= 0:
                raise ValueError(f"policy {name!r}: {priority} {clock}: minutes above zero")
            targets[priority][clock] = minutes
    escalation = data.get("escalation") or {}
    return SlaPolicy(
        name=name,
        conditions=conditions_from_dicts(data.get("conditions") or [], f"policy {name!r}"),
        calendar=str(data.get("calendar") or "24/7"),
        targets=targets,
        warn_before_minutes=int(data.get("warn_before_minutes", 30)),
        escalation=Escalation(
            notify_lead=bool(escalation.get("notify_lead", True)),
            raise_priority=bool(escalation.get("raise_priority", True)),
            reassign_team=escalation.get("reassign_team"),
            notify_rep=bool(escalation.get("notify_rep", True)),
        ),
        id=policy_id,
    )
