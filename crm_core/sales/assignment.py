"""Who gets a new lead: the first territory rule that matches, else the next rep in turn.

Territory rules (country, industry, company size) are the admin's, tried in order. A
lead no rule places goes round robin: to the rep after the one who got the latest
round-robin lead, in id order, so a rep added or removed just joins or leaves the turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_core.db import Base
from crm_core.normalise import InvalidValue, clean_text
from crm_core.sales.models import Lead


class AssignmentRule(Base):
    """A territory: leads from this country, industry and size range go to `owner_id`.

    A blank condition matches every lead.
    """

    __tablename__ = "sales_assignment_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    industry: Mapped[str | None] = mapped_column(String(100))
    min_size: Mapped[int | None] = mapped_column(Integer)
    max_size: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Marks a lead's owner as chosen by rotation, so the turn ignores territory picks.
    round_robin: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class Territory:
    """An assignment rule as the admin page submits it."""

    name: str
    owner_id: int
    country: str | None = None
    industry: str | None = None
    min_size: int | None = None
    max_size: int | None = None


def matches(rule: AssignmentRule, lead: Lead) -> bool:
    """Every condition the rule sets holds for the lead."""
    if rule.country and (lead.country or "").upper() != rule.country.upper():
        return False
    if rule.industry and lead.industry.casefold() != rule.industry.casefold():
        return False
    if rule.min_size is not None or rule.max_size is not None:
        size = lead.company_size
        if size is None:
            return False
        if rule.min_size is not None and size < rule.min_size:
            return False
        if rule.max_size is not None and size > rule.max_size:
            return False
    return True


def territory_rules(session: Session) -> list[AssignmentRule]:
    query = select(AssignmentRule).where(AssignmentRule.round_robin.is_(False))
    return list(session.scalars(query.order_by(AssignmentRule.position, AssignmentRule.id)))


def choose_owner(session: Session, lead: Lead, rep_ids: Sequence[int]) -> tuple[int | None, str]:
    """The rep for this lead and why ("territory NAME" or "round robin"); None without reps.

    A territory whose owner is no longer a rep is skipped.
    """
    reps = sorted(set(rep_ids))
    for rule in territory_rules(session):
        if rule.active and rule.owner_id in reps and matches(rule, lead):
            return rule.owner_id, f"territory {rule.name}"
    if not reps:
        return None, "no reps"
    turn = _turn(session)
    last = turn.owner_id if turn.owner_id in reps else None
    following = [rep for rep in reps if last is not None and rep > last]
    chosen = following[0] if following else reps[0]
    turn.owner_id = chosen
    return chosen, "round robin"


def _turn(session: Session) -> AssignmentRule:
    """The row that remembers who had the last round-robin lead."""
    turn = session.scalars(
        select(AssignmentRule).where(AssignmentRule.round_robin.is_(True)).limit(1)
    ).first()
    if turn is None:
        turn = AssignmentRule(name="round robin turn", owner_id=0, round_robin=True, active=False)
        session.add(turn)
    return turn


def add_territory(session: Session, territory: Territory) -> AssignmentRule:
    """A new territory rule at the end of the list."""
    name = clean_text(territory.name)
    if not name:
        raise InvalidValue("name", territory.name, "missing required field")
    low, high = territory.min_size, territory.max_size
    if low is not None and high is not None and low > high:
        raise InvalidValue("max_size", high, "smaller than the minimum size")
    country = (territory.country or "").strip().upper() or None
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise InvalidValue("country", territory.country, "not a two-letter country code")
    last = max((r.position for r in territory_rules(session)), default=-1)
    rule = AssignmentRule(
        name=name,
        owner_id=territory.owner_id,
        country=country,
        industry=clean_text(territory.industry) or None,
        min_size=low,
        max_size=high,
        position=last + 1,
    )
    session.add(rule)
    session.flush()
    return rule


def delete_territory(session: Session, rule_id: int) -> None:
    rule = session.get(AssignmentRule, rule_id)
    if rule is not None and not rule.round_robin:
        session.delete(rule)
