"""`/lead <name> <email> [company]` and `/pipeline [mine|team]`, over a small port.

The sales models (Lead, Opportunity) come from the sales work; until they are there, the
commands answer that sales data is not available. `SALES` is filled where they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from crm_core.access import Viewer
from servicedesk.web.hooks.slack.callers import Caller
from servicedesk.web.hooks.slack.context import Hook

LEAD_USAGE = "Usage: `/lead <name> <email> [company]` creates a lead owned by you."
PIPELINE_USAGE = "Usage: `/pipeline [mine|team]` shows open opportunities by stage."
UNAVAILABLE = "Sales data is not available on this desk yet."


@dataclass(frozen=True)
class StageTotal:
    stage: str
    count: int
    amount: float
    weighted: float


class SalesPort(Protocol):
    """What the commands need from the sales package."""

    def create_lead(
        self, hook: Hook, viewer: Viewer, name: str, email: str, company: str | None
    ) -> tuple[str, int | None]:
        """The new lead's label and score (raises ValueError naming a bad field)."""
        ...

    def pipeline(self, hook: Hook, viewer: Viewer, scope: str) -> list[StageTotal]: ...


SALES: list[SalesPort] = []


def create_lead(hook: Hook, caller: Caller, argument: str) -> dict[str, Any]:
    parts = argument.split()
    if len(parts) < 2 or not any("@" in part for part in parts):
        return {"text": LEAD_USAGE}
    email_at = next(i for i, part in enumerate(parts) if "@" in part)
    name, email = " ".join(parts[:email_at]), parts[email_at]
    company = " ".join(parts[email_at + 1 :]) or None
    if not name:
        return {"text": LEAD_USAGE}
    if not SALES:
        return {"text": UNAVAILABLE}
    try:
        label, score = SALES[0].create_lead(hook, caller.viewer, name, email, company)
    except ValueError as error:
        return {"text": f"Lead not created: {error}"}
    shown = "not scored yet" if score is None else f"score {score}"
    return {"text": f"Created lead {label} ({shown}), owned by you."}


def pipeline(hook: Hook, caller: Caller, argument: str) -> dict[str, Any]:
    scope = argument.strip().lower() or "mine"
    if scope not in ("mine", "team"):
        return {"text": PIPELINE_USAGE}
    if not SALES:
        return {"text": UNAVAILABLE}
    totals = SALES[0].pipeline(hook, caller.viewer, scope)
    if not totals:
        return {"text": f"No open opportunities ({scope})."}
    lines = [
        f"*{t.stage}*: {t.count} · {t.amount:,.2f} · weighted {t.weighted:,.2f}" for t in totals
    ]
    forecast = sum(t.weighted for t in totals)
    lines.append(f"*Weighted forecast*: {forecast:,.2f}")
    return {"text": "\n".join(lines)}
