"""Demo leads for `servicedesk demo`: a rep, scoring rules and a dozen leads in every status.

Idempotent: the rep is looked up by email, rules by name, leads by their external id.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.db import UnitOfWork, utcnow
from crm_core.sales.capture import capture_lead
from crm_core.sales.conversion import DealTerms, convert_lead
from crm_core.sales.lead_events import LeadContext, rescore
from crm_core.sales.leads import disqualify_lead, log_activity, qualify_lead
from crm_core.sales.models import (
    Activity,
    ActivityKind,
    Lead,
    Opportunity,
    OpportunityStageChange,
    ScoringRule,
    StageOutcome,
)
from crm_core.sales.pipelines import default_pipeline
from crm_core.sales.scoring import RuleSpec, add_scoring_rule
from servicedesk.desk.accounts import create_agent, find_agent

REP = ("rep@demo.local", "demo-rep", "Riley Rep", ["sales"])
RULES = (
    RuleSpec("Decision maker", "fit", "title", "contains", "cto, ceo, vp, head, director", 25),
    RuleSpec("Mid-size company", "fit", "company_size", "between", "50-1000", 20),
    RuleSpec("Free-mail address", "fit", "email_domain", "is", "free", -15),
    RuleSpec("Software", "fit", "industry", "equals", "software", 10),
    RuleSpec("Web form", "behaviour", "form_submit", "", "", 10, 14),
    RuleSpec("Campaign click", "behaviour", "campaign_click", "", "", 5, 7),
    RuleSpec("Portal visit", "behaviour", "portal_visit", "", "", 3, 7),
    RuleSpec("Reply", "behaviour", "reply", "", "", 15, 30),
)
# One lead a row; `fate` is how far the demo takes it (new ... converted, or won: its
# deal is won too, so the lead sources report has revenue to attribute).
LEADS_CSV = Path(__file__).parent / "demo_data" / "leads.csv"


def demo_leads() -> list[dict[str, str]]:
    with LEADS_CSV.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def load_demo_leads(make_uow: Callable[[], UnitOfWork], sales_team: Callable[..., int]) -> str:
    """Create the rep, the rules and the leads; return the rep's sign-in line."""
    with make_uow() as uow:
        rep = find_agent(uow.session, REP[0])
        rep_id = (
            rep.id
            if rep
            else create_agent(uow.session, REP[0], REP[1], name=REP[2], roles=REP[3]).id
        )
        sales_team(uow, "Sales", [rep_id])
        known = set(uow.session.scalars(select(ScoringRule.name)))
        for spec in RULES:
            if spec.name not in known:
                add_scoring_rule(uow.session, spec)
        uow.commit()
    rows = demo_leads()
    for index, spec in enumerate(rows):
        with make_uow() as uow:
            external_id = f"demo-lead-{index + 1}"
            if uow.session.scalars(select(Lead.id).where(Lead.external_id == external_id)).first():
                continue
            _make_lead(uow.session, spec, external_id, rep_id, days_ago=len(rows) - index)
            uow.commit()
    return f"  rep    {REP[0]} / {REP[1]}"


def _make_lead(
    session: Session, spec: dict[str, str], external_id: str, rep_id: int, days_ago: int
) -> None:
    campaign = int(spec["campaign"]) if spec["campaign"] else None
    then = utcnow() - timedelta(days=days_ago)
    context = LeadContext(now=then, first_contact_hours=24)
    lead = capture_lead(
        session,
        name=spec["name"],
        email=spec["email"],
        company=spec["company"],
        owner_id=rep_id,
        source=spec["source"],
        campaign_id=campaign,
        details={key: spec[key] for key in ("title", "industry", "country")}
        | {"company_size": spec["size"]},
        context=context,
    ).lead
    lead.external_id = external_id
    if campaign:
        session.add(
            Activity(
                kind=ActivityKind.CAMPAIGN_CLICK,
                lead_id=lead.id,
                at=then,
                subject=f"campaign #{campaign}",
            )
        )
    _advance(session, lead, spec, rep_id, context)
    rescore(session, lead, LeadContext())


def _advance(
    session: Session, lead: Lead, spec: dict[str, str], rep_id: int, context: LeadContext
) -> None:
    """Take the lead as far as the demo row says: contacted, qualified, converted or not."""
    fate, then = spec["fate"], context.clock()
    viewer = Viewer(rep_id, frozenset({"sales"}), frozenset({rep_id}))
    if fate != "new":
        log_activity(session, viewer, lead.id, "call", "Intro call", context=context)
    if fate in {"qualified", "converted", "won"}:
        session.add(
            Activity(kind=ActivityKind.REPLY, lead_id=lead.id, at=then, subject="Re: pricing")
        )
        qualify_lead(session, viewer, lead.id, context)
    if fate in {"converted", "won"}:
        size = int(spec["size"] or 10)
        terms = DealTerms(f"{spec['company']} subscription", Decimal(size) * 40)
        deal = convert_lead(session, viewer, lead.id, terms, context)
        if fate == "won":
            _win(session, deal, then)
    if fate == "disqualified":
        disqualify_lead(session, viewer, lead.id, "no budget this year", context)


def _win(session: Session, deal: Opportunity, at: datetime) -> None:
    """Move the deal straight to the pipeline's won stage (the board does this for reps)."""
    won = next(s for s in default_pipeline(session).stages if s.outcome == StageOutcome.WON)
    session.add(
        OpportunityStageChange(
            opportunity_id=deal.id, from_stage_id=deal.stage_id, to_stage_id=won.id, at=at
        )
    )
    deal.stage_id, deal.outcome, deal.closed_at, deal.stage_entered_at = won.id, won.outcome, at, at
