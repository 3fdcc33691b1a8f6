"""Rule scores: points for fit and for behaviour, behaviour fading with a half-life.

A fit rule compares a field of the lead (title contains, industry equals, company size
between, email domain is free-mail or company); it counts once, without decay. A
behaviour rule counts each activity of its kind: an event `age` days old is worth
`points * 0.5 ** (age / half_life_days)` (no half-life: full points forever). The score
is the sum rounded half up; the breakdown lists each rule that contributed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db import utcnow
from crm_core.normalise import InvalidValue, clean_text, email_domain
from crm_core.organisations import is_freemail
from crm_core.sales.models import Activity, ActivityKind, Lead, ScoringRule

FIT, BEHAVIOUR = "fit", "behaviour"
FIT_FIELDS = ("title", "industry", "company_size", "email_domain", "country", "source")
BEHAVIOUR_KINDS = (
    ActivityKind.FORM_SUBMIT,
    ActivityKind.CAMPAIGN_CLICK,
    ActivityKind.PORTAL_VISIT,
    ActivityKind.REPLY,
)
OPERATORS = {
    "title": ("contains",),
    "industry": ("equals", "contains"),
    "company_size": ("between",),
    "email_domain": ("is",),
    "country": ("equals",),
    "source": ("equals",),
}
EMAIL_DOMAIN_TYPES = ("free", "company")


@dataclass(frozen=True)
class RuleSpec:
    """A scoring rule as the admin page submits it."""

    name: str
    kind: str
    field: str
    operator: str
    value: str
    points: int
    half_life_days: int | None = None


def domain_type(email: str | None) -> str | None:
    """ "free" for gmail.com and the like, "company" for any other domain, None without one."""
    if not email or "@" not in email:
        return None
    return "free" if is_freemail(email_domain(email)) else "company"


def _alternatives(value: str) -> list[str]:
    return [part.strip().casefold() for part in value.split(",") if part.strip()]


def _size_range(value: str) -> tuple[int | None, int | None]:
    """ "10-200", "500-" or "-9" as (low, high); either end may be open."""
    low, _, high = value.partition("-")
    return (int(low) if low.strip() else None, int(high) if high.strip() else None)


def fit_matches(rule: ScoringRule, lead: Lead) -> bool:
    """The fit rule holds for the lead."""
    if rule.field == "company_size":
        if lead.company_size is None:
            return False
        low, high = _size_range(rule.value)
        return (low is None or lead.company_size >= low) and (
            high is None or lead.company_size <= high
        )
    if rule.field == "email_domain":
        return domain_type(lead.email) == rule.value.strip().lower()
    text = str(getattr(lead, rule.field, "") or "").casefold()
    wanted = _alternatives(rule.value)
    if rule.operator == "contains":
        return any(word in text for word in wanted)
    return text in wanted


def decayed(points: int, age_days: float, half_life_days: int | None) -> float:
    """What one event is worth after `age_days`."""
    if not half_life_days:
        return float(points)
    return float(points * 0.5 ** (max(age_days, 0.0) / half_life_days))


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def breakdown_of(
    rules: Iterable[ScoringRule], lead: Lead, activities: Sequence[Activity], now: datetime
) -> list[dict[str, object]]:
    """Each active rule that gives the lead points, with the points (two decimals)."""
    parts: list[dict[str, object]] = []
    for rule in rules:
        if not rule.active:
            continue
        if rule.kind == FIT:
            if fit_matches(rule, lead):
                parts.append(
                    _part(rule, float(rule.points), f"{rule.field} {rule.operator} {rule.value}")
                )
            continue
        events = [a for a in activities if a.kind == rule.field]
        if events:
            total = sum(
                decayed(
                    rule.points, (now - _as_utc(a.at)).total_seconds() / 86400, rule.half_life_days
                )
                for a in events
            )
            parts.append(_part(rule, total, f"{len(events)} x {rule.field}"))
    return parts


def _part(rule: ScoringRule, points: float, detail: str) -> dict[str, object]:
    return {
        "rule_id": rule.id,
        "rule": rule.name,
        "kind": rule.kind,
        "points": round(points, 2),
        "detail": detail,
    }


def active_rules(session: Session) -> list[ScoringRule]:
    query = select(ScoringRule).where(ScoringRule.active.is_(True))
    return list(session.scalars(query.order_by(ScoringRule.position, ScoringRule.id)))


def score_lead(session: Session, lead: Lead, now: datetime | None = None) -> int:
    """Recompute the lead's rule score and breakdown from the rules and its activities."""
    activities = (
        list(session.scalars(select(Activity).where(Activity.lead_id == lead.id)))
        if lead.id is not None
        else []
    )
    parts = breakdown_of(active_rules(session), lead, activities, now or utcnow())
    lead.score_breakdown = parts
    total = sum(float(str(p["points"])) for p in parts)
    lead.score = math.floor(total + 0.5)  # half up: 56.5 is 57, as people round
    return lead.score


def add_scoring_rule(session: Session, spec: RuleSpec) -> ScoringRule:
    """A new rule after the others; each bad field raises `InvalidValue` naming it."""
    check_rule(spec)
    last = max((r.position for r in session.scalars(select(ScoringRule))), default=-1)
    rule = ScoringRule(
        name=clean_text(spec.name),
        kind=spec.kind,
        field=spec.field,
        operator=spec.operator,
        value=spec.value.strip(),
        points=spec.points,
        half_life_days=spec.half_life_days if spec.kind == BEHAVIOUR else None,
        position=last + 1,
    )
    session.add(rule)
    session.flush()
    return rule


def check_rule(spec: RuleSpec) -> None:
    """Refuse a rule that could never match or that names an unknown field."""
    if not clean_text(spec.name):
        raise InvalidValue("name", spec.name, "missing required field")
    if spec.kind == BEHAVIOUR:
        if spec.field not in BEHAVIOUR_KINDS:
            raise InvalidValue("field", spec.field, f"not one of {', '.join(BEHAVIOUR_KINDS)}")
        if spec.half_life_days is not None and spec.half_life_days < 1:
            raise InvalidValue("half_life_days", spec.half_life_days, "must be at least 1 day")
        return
    if spec.kind != FIT:
        raise InvalidValue("kind", spec.kind, "fit or behaviour")
    if spec.field not in OPERATORS:
        raise InvalidValue("field", spec.field, f"not one of {', '.join(OPERATORS)}")
    if spec.operator not in OPERATORS[spec.field]:
        allowed = ", ".join(OPERATORS[spec.field])
        raise InvalidValue("operator", spec.operator, f"{spec.field} takes {allowed}")
    _check_value(spec)


def _check_value(spec: RuleSpec) -> None:
    if not spec.value.strip():
        raise InvalidValue("value", spec.value, "missing required field")
    if spec.field == "email_domain" and spec.value.strip().lower() not in EMAIL_DOMAIN_TYPES:
        raise InvalidValue("value", spec.value, "free or company")
    if spec.field == "company_size":
        try:
            low, high = _size_range(spec.value)
        except ValueError:
            raise InvalidValue("value", spec.value, "a range such as 10-200 or 500-") from None
        if low is None and high is None:
            raise InvalidValue("value", spec.value, "a range such as 10-200 or 500-")


def delete_scoring_rule(session: Session, rule_id: int) -> None:
    rule = session.get(ScoringRule, rule_id)
    if rule is not None:
        session.delete(rule)
