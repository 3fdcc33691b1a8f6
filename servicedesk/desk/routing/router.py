"""The router the desk calls at intake: category, priority, language, team, assignee.

`Router.route` is step 4 of `receive_inbound`: it sets the fields on the request and
returns the decision with its reason; the caller records the RequestEvent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db import utcnow
from servicedesk.desk.audit import record
from servicedesk.desk.contracts import routing_contract_facts
from servicedesk.desk.models import Priority, ServiceRequest, Team
from servicedesk.desk.routing.assignment import assign_in_team, waiting_requests
from servicedesk.desk.routing.config_cache import per_transaction
from servicedesk.desk.routing.corrections import record_correction
from servicedesk.desk.routing.language import detect_language
from servicedesk.desk.routing.models import RoutingCorrection, RoutingRuleRow
from servicedesk.desk.routing.rules import DEFAULT_RULES, Rule, evaluate_rules, rule_from_dict
from servicedesk.desk.routing.service import CategoryDecision, CategoryService
from servicedesk.desk.routing.urgency import model_priority
from servicedesk.desk.routing.versions import NoActiveModelError

TRIAGE_TEAM = "Triage"


@dataclass(frozen=True)
class RoutingDecision:
    """What the router decided for one request, and why (shown on the request)."""

    category: str | None
    confidence: float | None
    out_of_scope: bool
    priority: str
    language: str | None
    team_id: int | None
    assignee_id: int | None
    model_version: int | None
    reason: str

    def as_event_data(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass(frozen=True)
class Verdict:
    """Classification and rules without assignment (also the console's test box)."""

    category: str | None
    confidence: float | None
    out_of_scope: bool
    priority: str
    language: str | None
    team_name: str | None
    model_version: int | None
    reasons: tuple[str, ...]


class Router:
    """Classify with the active model, let admin rules override, assign within the team."""

    def __init__(
        self,
        classifier: CategoryService | None,
        away_grace: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utcnow,
        urgency: CategoryService | None = None,
    ) -> None:
        self.classifier = classifier
        self.urgency = urgency
        self.away_grace = away_grace
        self.clock = clock

    def load_rules(self, session: Session) -> list[Rule]:
        """Enabled admin rules in order; the defaults only while no rule was ever saved."""
        return per_transaction(session, "rules", _read_rules)

    def explain(self, rules: Sequence[Rule], text: str, facts: dict[str, Any]) -> Verdict:
        """The test box: which model decision and which rules this text would get."""
        decision = self._classify(text, self.classifier)
        outcome = evaluate_rules(rules, {**facts, "text": text})
        reasons: list[str] = []
        category = decision.label if decision and not decision.out_of_scope else None
        if "category" in outcome.values:
            category = outcome.values["category"]
            reasons.append(f"category {category} by rule '{outcome.set_by['category']}'")
        elif decision is not None:
            reasons.append(_model_reason(decision))
        else:
            reasons.append("category unknown (no model trained)")
        priority, by = self._priority(outcome.values, outcome.set_by, text)
        reasons.append(f"priority {priority} by {by}")
        language = detect_language(text)
        return Verdict(
            category,
            decision.confidence if decision else None,
            bool(decision and decision.out_of_scope),
            priority,
            language,
            outcome.values.get("team"),
            decision.version if decision else None,
            tuple(reasons),
        )

    def route(self, session: Session, request: ServiceRequest, text: str) -> RoutingDecision:
        """Set category, priority, language, team and assignee on `request`."""
        rules = self.load_rules(session)  # first: its query flushes a request built by id
        facts = {
            **request_facts(request),
            **routing_contract_facts(session, request, self.clock().date()),
        }
        verdict = self.explain(rules, text, facts)
        request.category = verdict.category
        request.priority = Priority(verdict.priority)
        request.language = verdict.language
        team = self._team_for(session, verdict, request.team_id)
        request.team_id = team.id if team else None
        reasons = list(verdict.reasons)
        if team is None:
            reasons.append("no team covers it: unassigned")
        else:
            session.flush()
            choice = assign_in_team(session, request, team, self.clock(), self.away_grace)
            reasons.append(f"team {team.name}; {choice.reason}")
        request.routing_reason = "; ".join(reasons)
        return RoutingDecision(
            request.category,
            verdict.confidence,
            verdict.out_of_scope,
            verdict.priority,
            verdict.language,
            request.team_id,
            request.assignee_id,
            verdict.model_version,
            request.routing_reason,
        )

    def assign_waiting(self, session: Session) -> list[tuple[int, int]]:
        """Give waiting requests (most urgent, then oldest) to agents with room now."""
        assigned: list[tuple[int, int]] = []
        for request in waiting_requests(session):
            team = session.get(Team, request.team_id)
            if team is None:
                continue
            choice = assign_in_team(session, request, team, self.clock(), self.away_grace)
            if choice.agent is not None:
                request.routing_reason = f"{request.routing_reason or ''}; {choice.reason} (queue)"
                record(
                    session,
                    request,
                    "assigned",
                    "router",
                    new_assignee=choice.agent.agent_id,
                    reason=f"{choice.reason} (queue)",
                )
                assigned.append((request.id, choice.agent.agent_id))
        return assigned

    def record_correction(
        self, session: Session, request_id: int, field: str, old: str | None, new: str | None
    ) -> RoutingCorrection:
        """Store an agent's re-categorisation or reassignment as a training signal."""
        return record_correction(session, request_id, field, old, new)

    def _priority(
        self, values: dict[str, Any], set_by: dict[str, str], text: str
    ) -> tuple[str, str]:
        """A rule's priority, else the urgency model's when confident, else normal."""
        if "priority" in values:
            return values["priority"], f"rule '{set_by['priority']}'"
        decision = self._classify(text, self.urgency)
        signal = model_priority(decision)
        if signal is None or decision is None:
            return Priority.NORMAL.value, "default"
        return signal.value, f"urgency model v{decision.version} {decision.confidence:.2f}"

    @staticmethod
    def _classify(text: str, service: CategoryService | None) -> CategoryDecision | None:
        # The store is read before the text is encoded: no model, no encoding cost.
        if service is None:
            return None
        try:
            return service.classify(text)
        except NoActiveModelError:
            return None

    def _team_for(self, session: Session, verdict: Verdict, preset: int | None) -> Team | None:
        """A rule's team, else the team the intake named (a mailbox's), else the category's."""
        teams = per_transaction(session, "teams", _read_teams)
        wanted = verdict.team_name
        if wanted is None and preset is not None:
            wanted = next((t.name for t in teams if t.id == preset), None)
        if wanted is None and verdict.category is not None:
            wanted = next((t.name for t in teams if verdict.category in (t.categories or [])), None)
        wanted = wanted or TRIAGE_TEAM
        return next((t for t in teams if t.name == wanted), None)


def _read_rules(session: Session) -> list[Rule]:
    rows = session.scalars(
        select(RoutingRuleRow).order_by(RoutingRuleRow.position, RoutingRuleRow.id)
    ).all()
    if not rows:
        return list(DEFAULT_RULES)
    return [rule_from_dict({"name": r.name, **r.definition}) for r in rows if r.enabled]


def _read_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.id)))


def request_facts(request: ServiceRequest) -> dict[str, Any]:
    """The facts rules can test: channel, subject, sender domain, customer fields (and, added
    by `route`, the contract's: `contract.sla_tier`, `contract.exhausted`)."""
    customer = request.customer
    email = (customer.email or "") if customer else ""
    facts: dict[str, Any] = {
        "channel": request.channel,
        "subject": request.subject,
        "sender_domain": email.rsplit("@", 1)[-1].lower() if "@" in email else None,
    }
    if customer is not None:
        facts["customer.vip"] = customer.vip
        facts["customer.name"] = customer.name
        facts["customer.tier"] = customer.organization.tier if customer.organization else None
    return facts


def _model_reason(decision: CategoryDecision) -> str:
    if decision.out_of_scope:
        return (
            f"out of scope (best guess {decision.label} {decision.confidence:.2f}) "
            f"by model v{decision.version}: triage"
        )
    return f"category {decision.label} {decision.confidence:.2f} by model v{decision.version}"
