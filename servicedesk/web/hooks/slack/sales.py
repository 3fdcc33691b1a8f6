"""`/lead <name> <email> [company]` and `/pipeline [mine|team]` for sales reps."""

from __future__ import annotations

from typing import Any

from servicedesk.web.hooks.slack import sales_data
from servicedesk.web.hooks.slack.callers import Caller
from servicedesk.web.hooks.slack.context import Hook

LEAD_USAGE = "Usage: `/lead <name> <email> [company]` creates a lead owned by you."
PIPELINE_USAGE = "Usage: `/pipeline [mine|team]` shows open opportunities by stage."


def create_lead(hook: Hook, caller: Caller, argument: str) -> dict[str, Any]:
    parts = argument.split()
    email_at = next((i for i, part in enumerate(parts) if "@" in part), None)
    if email_at is None or email_at == 0:
        return {"text": LEAD_USAGE}
    name, email = " ".join(parts[:email_at]), parts[email_at]
    company = " ".join(parts[email_at + 1 :]) or None
    with hook.container.uow() as uow:
        try:
            lead = sales_data.create_lead(uow.session, caller.viewer, name, email, company)
        except ValueError as error:
            return {"text": f"Lead not created: {error}"}
        label = f"{lead.name} <{lead.email}>" + (f" at {lead.company}" if lead.company else "")
        score = lead.score
        uow.commit()
    return {"text": f"Created lead {label}, owned by you. Score: {score}."}


def pipeline(hook: Hook, caller: Caller, argument: str) -> dict[str, Any]:
    scope = argument.strip().lower() or "mine"
    if scope not in ("mine", "team"):
        return {"text": PIPELINE_USAGE}
    with hook.container.uow() as uow:
        totals = sales_data.pipeline_totals(uow.session, caller.viewer, scope)
    if not totals:
        return {"text": f"No open opportunities ({scope})."}
    lines = [
        f"*{t.stage}*: {t.count} · {t.amount:,.2f} {t.currency} · weighted {t.weighted:,.2f}"
        for t in totals
    ]
    forecast: dict[str, float] = {}
    for t in totals:
        forecast[t.currency] = forecast.get(t.currency, 0) + float(t.weighted)
    lines.append(
        "*Weighted forecast*: " + ", ".join(f"{v:,.2f} {c}" for c, v in sorted(forecast.items()))
    )
    return {"text": f"Pipeline ({scope})\n" + "\n".join(lines)}
