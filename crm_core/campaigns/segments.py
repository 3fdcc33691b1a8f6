"""Segment rules: parsed from lines such as `stage = loyal` or `orders = 0 within 60`, and
compiled into ONE SQL query over customers (no per-customer loop), so a count over a
hundred thousand customers is a single round trip.

A line is `FIELD OP VALUE [within DAYS]`. Count and sum fields (orders, revenue,
campaigns, ...) compare the count in the window; a customer with no row counts 0, so
`orders = 0 within 60` finds the customers with no order in 60 days.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session

from crm_core.campaigns.models import Delivery, DeliveryStatus, Segment, Touch, TouchKind
from crm_core.customers.models import Customer, LifecycleStage, Organization
from crm_core.customers.records import Tag, customer_tags
from crm_core.lifecycle.models import StageChange
from crm_core.normalise import fold
from crm_core.orders.models import NOT_REVENUE, Order

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_LINE = re.compile(
    r"^\s*(?P<field>[a-z_]+)\s*(?P<op>!=|>=|<=|=|>|<|\bin\b)\s*(?P<value>.+?)"
    r"(?:\s+within\s+(?P<days>\d+))?\s*$",
    re.IGNORECASE,
)


class SegmentError(ValueError):
    """A rule that cannot be read; the message names the line."""


@dataclass(frozen=True)
class Rule:
    field: str
    op: str
    value: str
    days: int | None = None

    def values(self) -> list[str]:
        return [v.strip() for v in self.value.split(",") if v.strip()]


@dataclass(frozen=True)
class RuleContext:
    """What a rule compiler gets: the rule and the moment "within N days" counts back from."""

    rule: Rule
    now: datetime

    @property
    def since(self) -> datetime | None:
        days = self.rule.days
        return None if days is None else self.now - timedelta(days=days)


# A compiler turns one rule into a condition on `Customer.id` and its columns.
RuleCompiler = Callable[[RuleContext], ColumnElement[bool]]


def parse_rules(text: str) -> list[Rule]:
    """The rules of a segment, one per non-empty line (`#` starts a comment)."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            raise SegmentError(f"line {number}: expected `field op value [within days]`")
        days = match["days"]
        rules.append(
            Rule(
                match["field"].lower(),
                match["op"].lower(),
                match["value"],
                int(days) if days else None,
            )
        )
    return rules


def count_condition(
    rule: Rule, customer_column: Any, amount: Any, where: list[Any], table_customer: Any
) -> ColumnElement[bool]:
    """`customer` satisfies `amount OP value` where a customer without rows has 0.

    When 0 fails the comparison, members are those IN the grouped rows that pass; when 0
    passes it, members are those NOT IN the grouped rows that fail.
    """
    compare = _operator(rule)
    number = _number(rule)
    grouped = select(table_customer).where(*where).group_by(table_customer)
    if compare(0, number):
        failing = grouped.having(~compare(amount, number))
        condition: ColumnElement[bool] = customer_column.not_in(failing)
    else:
        condition = customer_column.in_(grouped.having(compare(amount, number)))
    return condition


def _operator(rule: Rule) -> Callable[[Any, Any], Any]:
    if rule.op not in OPERATORS:
        raise SegmentError(f"{rule.field}: use one of {' '.join(OPERATORS)}")
    return OPERATORS[rule.op]


def _number(rule: Rule) -> Decimal:
    try:
        return Decimal(rule.value.strip())
    except InvalidOperation:
        raise SegmentError(f"{rule.field}: {rule.value!r} is not a number") from None


def _within(column: Any, context: RuleContext) -> list[Any]:
    since = context.since
    return [] if since is None else [column >= since]


def _stage(context: RuleContext) -> ColumnElement[bool]:
    rule = context.rule
    stages = [_known_stage(value) for value in rule.values()]
    if rule.op in {"=", "in"}:
        return Customer.lifecycle_stage.in_(stages)
    if rule.op == "!=":
        return Customer.lifecycle_stage.not_in(stages)
    raise SegmentError("stage: use = , != or in")


def _known_stage(value: str) -> LifecycleStage:
    try:
        return LifecycleStage(value.lower())
    except ValueError:
        known = ", ".join(s.value for s in LifecycleStage)
        raise SegmentError(f"stage: {value!r} is not one of {known}") from None


def _became(context: RuleContext) -> ColumnElement[bool]:
    """`became = churned within 90`: moved into the stage in the window."""
    stages = [_known_stage(value) for value in context.rule.values()]
    changed = select(StageChange.customer_id).where(
        StageChange.to_stage.in_(stages), *_within(StageChange.at, context)
    )
    return Customer.id.in_(changed)


def _orders(context: RuleContext) -> ColumnElement[bool]:
    where = [Order.status.not_in(NOT_REVENUE), *_within(Order.ordered_at, context)]
    return count_condition(
        context.rule, Customer.id, func.count(Order.id), where, Order.customer_id
    )


def _revenue(context: RuleContext) -> ColumnElement[bool]:
    where = [Order.status.not_in(NOT_REVENUE), *_within(Order.ordered_at, context)]
    amount = func.coalesce(func.sum(Order.total), 0)
    return count_condition(context.rule, Customer.id, amount, where, Order.customer_id)


def _campaigns(context: RuleContext) -> ColumnElement[bool]:
    where = [Delivery.status == DeliveryStatus.SENT, *_within(Delivery.sent_at, context)]
    amount = func.count(Delivery.id)
    return count_condition(context.rule, Customer.id, amount, where, Delivery.customer_id)


def _touched(column: Any, touch: TouchKind | None = None) -> RuleCompiler:
    """`received = 3`, `opened = 3`, `clicked = 3`: took part in campaign 3 (`!=`: did not);
    a click on a campaign's banner or Slack post by a signed-in customer is a click too."""

    def compile_rule(context: RuleContext) -> ColumnElement[bool]:
        rule = context.rule
        ids = [int(_number(Rule(rule.field, rule.op, value))) for value in rule.values()]
        members: Any = select(Delivery.customer_id).where(Delivery.campaign_id.in_(ids), column)
        if touch is not None:
            members = members.union(
                # Anonymous touches have no customer: a NULL would empty a NOT IN.
                select(Touch.customer_id).where(
                    Touch.campaign_id.in_(ids), Touch.kind == touch, Touch.customer_id.is_not(None)
                )
            )
        if rule.op == "!=":
            return Customer.id.not_in(members)
        return Customer.id.in_(members)

    return compile_rule


def _organisation(context: RuleContext) -> ColumnElement[bool]:
    ids = [int(_number(Rule("organisation", "=", value))) for value in context.rule.values()]
    condition = Customer.organization_id.in_(ids)
    return ~condition if context.rule.op == "!=" else condition


def _tier(context: RuleContext) -> ColumnElement[bool]:
    tiers = select(Organization.id).where(Organization.tier.in_(context.rule.values()))
    condition = Customer.organization_id.in_(tiers)
    return ~condition if context.rule.op == "!=" else condition


def _owner(context: RuleContext) -> ColumnElement[bool]:
    ids = [int(_number(Rule("owner", "=", value))) for value in context.rule.values()]
    condition = Customer.organization_id.in_(
        select(Organization.id).where(Organization.owner_id.in_(ids))
    )
    return ~condition if context.rule.op == "!=" else condition


def _tag(context: RuleContext) -> ColumnElement[bool]:
    """`tag = beta, reseller`: carries any of these tags; `tag != beta`: carries none."""
    if context.rule.op not in {"=", "!="}:
        raise SegmentError("tag: use = or !=")
    keys = [fold(value) for value in context.rule.values()]
    tagged = (
        select(customer_tags.c.customer_id)
        .join(Tag, Tag.id == customer_tags.c.tag_id)
        .where(Tag.name_key.in_(keys))
    )
    condition = Customer.id.in_(tagged)
    return ~condition if context.rule.op == "!=" else condition


def _vip(context: RuleContext) -> ColumnElement[bool]:
    wanted = context.rule.value.strip().lower() in {"1", "true", "yes"}
    if context.rule.op == "!=":
        wanted = not wanted
    return Customer.vip.is_(True) if wanted else Customer.vip.is_not(True)


COMPILERS: dict[str, RuleCompiler] = {
    "stage": _stage,
    "became": _became,
    "orders": _orders,
    "revenue": _revenue,
    "campaigns": _campaigns,
    "received": _touched(Delivery.status == DeliveryStatus.SENT),
    "opened": _touched(Delivery.opened_at.is_not(None)),
    "clicked": _touched(Delivery.clicked_at.is_not(None), TouchKind.CLICK),
    "organisation": _organisation,
    "tier": _tier,
    "owner": _owner,
    "vip": _vip,
    "tag": _tag,
}


def segment_query(
    rules: list[Rule], now: datetime, extra: Mapping[str, RuleCompiler] | None = None
) -> Select[Any]:
    """`SELECT customers.id` of every customer matching all rules.

    `extra` adds fields this package cannot see (the desk adds `open_requests` and
    `requests`, since requests live above crm_core).
    """
    compilers = {**COMPILERS, **(extra or {})}
    conditions: list[ColumnElement[bool]] = []
    for rule in rules:
        compile_rule = compilers.get(rule.field)
        if compile_rule is None:
            raise SegmentError(
                f"unknown field {rule.field!r}; known: {', '.join(sorted(compilers))}"
            )
        conditions.append(compile_rule(RuleContext(rule, now)))
    return select(Customer.id).where(true(), *conditions)


def count_segment(
    session: Session,
    rules: list[Rule],
    now: datetime,
    extra: Mapping[str, RuleCompiler] | None = None,
) -> int:
    """How many customers match, in one query."""
    query = segment_query(rules, now, extra).subquery()
    return int(session.scalar(select(func.count()).select_from(query)) or 0)


def find_segment(session: Session, name_or_id: str) -> Segment | None:
    """A segment by its id or its exact name."""
    if name_or_id.isdigit():
        return session.get(Segment, int(name_or_id))
    return session.scalar(select(Segment).where(Segment.name == name_or_id))


def save_segment(
    session: Session, name: str, rules_text: str, segment_id: int | None = None
) -> Segment:
    """Create or change a segment; the rules are checked first."""
    name = name.strip()
    if not name:
        raise SegmentError("name: a segment needs a name")
    parse_rules(rules_text)
    segment = session.get(Segment, segment_id) if segment_id else Segment()
    if segment is None:
        raise LookupError(f"no segment {segment_id}")
    segment.name, segment.rules = name, rules_text.strip()
    session.add(segment)
    session.flush()
    return segment
