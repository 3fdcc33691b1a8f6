"""Marketing events: what can enrol a customer in a workflow, as plain JSON-able data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_core.campaigns.workflows.definition import TriggerKind


@dataclass(frozen=True)
class MarketingEvent:
    """`kind` happened to `customer_id`; `detail` says more (the stage, the tag, the score)."""

    kind: TriggerKind
    customer_id: int
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "customer_id": self.customer_id, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MarketingEvent:
        return cls(
            TriggerKind(data["kind"]), int(data["customer_id"]), dict(data.get("detail") or {})
        )

    def describe(self) -> str:
        """How the enrolment log says what enrolled the customer."""
        shown = ", ".join(f"{k} {v}" for k, v in sorted(self.detail.items()))
        return f"{self.kind.value}: {shown}" if shown else self.kind.value


def matches(kind: TriggerKind, settings: dict[str, Any], event: MarketingEvent) -> bool:
    """Whether the event fires a workflow with this trigger and these settings."""
    if kind != event.kind:
        return False
    detail = event.detail
    if kind == TriggerKind.STAGE_CHANGED:
        wanted = str(settings.get("stage") or "").lower()
        return not wanted or wanted == str(detail.get("stage", "")).lower()
    if kind == TriggerKind.TAG_ADDED:
        return (
            str(settings.get("tag", "")).strip().casefold()
            == str(detail.get("tag", "")).strip().casefold()
        )
    if kind == TriggerKind.LEAD_SCORE:
        threshold = int(settings.get("threshold") or 0)
        before, after = int(detail.get("from") or 0), int(detail.get("to") or 0)
        return before < threshold <= after
    return True
