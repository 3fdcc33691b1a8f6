"""The customer list: search, filters and keyset pagination, scoped to the viewer.

Pages are cut by id (newest first) with `id < after` or `id > before`, never OFFSET,
so a deep page costs what the first does; (filter column, id) indexes serve each filter
without a sort. The total is counted only up to `COUNT_CAP` rows (the page says "1000+"):
counting 100k rows on every page view is what makes lists slow.

Search by one box: an email address matches exactly (customer or identity), a phone
number matches through its keyed digest (phones are encrypted), any other text matches
the name (case and accents ignored), the organisation's name, or the start of the email.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session, joinedload, load_only

from crm_core.customers.models import (
    ChannelIdentity,
    Customer,
    IdentityKind,
    LifecycleStage,
    Organization,
)
from crm_core.customers.records import Tag, customer_tags
from crm_core.customers.standard import phone_digest
from crm_core.normalise import InvalidValue, clean_text, fold, normalise_email

PAGE_SIZE = 50
COUNT_CAP = 1000
_PHONE_LIKE = re.compile(r"\+?[\d\s().\-/]{6,}")
NO_OWNER = "none"


@dataclass(frozen=True)
class CustomerFilter:
    """What the list is narrowed to; empty values filter nothing."""

    search: str = ""
    stage: str = ""
    owner: str = ""  # an agent id, or "none" for unowned customers
    tier: str = ""
    tag: str = ""


@dataclass(frozen=True)
class CustomerRow:
    id: int
    name: str
    email: str | None
    phone: str | None
    organisation: str | None
    stage: str
    tier: str
    owner_id: int | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerPage:
    rows: list[CustomerRow]
    # Ids to pass as `after` / `before` for the next and previous pages, None at an end.
    next_after: int | None
    previous_before: int | None
    count: int
    count_capped: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def list_customers(
    session: Session,
    filters: CustomerFilter,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
    scope: ColumnElement[bool],
) -> CustomerPage:
    """One page of the customers in `scope` that match `filters`.

    `scope` is the viewer's record scope, the one every CRM page applies:
    `crm_core.scoping.customer_visibility`, given the customers of an agent's requests by
    the desk (`servicedesk.desk.customer_access.customer_scope`).
    """
    errors: dict[str, str] = {}
    conditions = _conditions(session, filters, errors)
    branches = [scope]
    ids = _page_ids(session, branches, conditions, after, before, limit + 1)
    more = len(ids) > limit
    ids = sorted(ids[:limit], reverse=True)
    rows = _rows(session, _customers(session, ids))
    has_next = more if before is None else True
    has_previous = (more if before is not None else after is not None) and bool(rows)
    if after is None and before is None and not more:
        count = len(rows)  # the whole result is on this page: no second scan
    else:
        count = _bounded_count(session, branches, conditions)
    return CustomerPage(
        rows=rows,
        next_after=rows[-1].id if has_next and rows else None,
        previous_before=rows[0].id if has_previous else None,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        errors=errors,
    )


def _page_ids(
    session: Session,
    branches: list[ColumnElement[bool]],
    conditions: list[ColumnElement[bool]],
    after: int | None,
    before: int | None,
    wanted: int,
) -> list[int]:
    """Up to `wanted` ids in walking order (newest first, or oldest first going back),
    one query per scope branch, merged."""
    found: set[int] = set()
    for branch in branches:
        query = select(Customer.id).where(branch, *conditions)
        if before is not None:
            query = query.where(Customer.id > before).order_by(Customer.id.asc())
        else:
            query = query.order_by(Customer.id.desc())
            if after is not None:
                query = query.where(Customer.id < after)
        found.update(session.scalars(query.limit(wanted)))
    return sorted(found, reverse=before is None)[:wanted]


def _customers(session: Session, ids: list[int]) -> list[Customer]:
    if not ids:
        return []
    query = _loaded(select(Customer).where(Customer.id.in_(ids)))
    loaded = {c.id: c for c in session.scalars(query).unique()}
    return [loaded[i] for i in ids if i in loaded]


def _bounded_count(
    session: Session, branches: list[ColumnElement[bool]], conditions: list[ColumnElement[bool]]
) -> int:
    """How many customers match, counted no further than one past `COUNT_CAP`."""
    found: set[int] = set()
    for branch in branches:
        query = select(Customer.id).where(branch, *conditions).limit(COUNT_CAP + 1)
        found.update(session.scalars(query))
        if len(found) > COUNT_CAP:
            break
    return len(found)


def _loaded(query: Select[Customer]) -> Select[Customer]:
    return query.options(
        load_only(
            Customer.id,
            Customer.name,
            Customer.email,
            Customer.phone,
            Customer.lifecycle_stage,
            Customer.tier,
            Customer.owner_id,
            Customer.organization_id,
        ),
        joinedload(Customer.organization).load_only(Organization.id, Organization.name),
    )


def _rows(session: Session, customers: list[Customer]) -> list[CustomerRow]:
    ids = [c.id for c in customers]
    tags: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        query = (
            select(customer_tags.c.customer_id, Tag.name)
            .join(Tag, Tag.id == customer_tags.c.tag_id)
            .where(customer_tags.c.customer_id.in_(ids))
            .order_by(Tag.name_key)
        )
        for customer_id, name in session.execute(query):
            tags[customer_id].append(name)
    return [
        CustomerRow(
            id=c.id,
            name=c.display_name,
            email=c.email,
            phone=c.phone,
            organisation=c.organization.name if c.organization else None,
            stage=c.lifecycle_stage.value,
            tier=c.tier,
            owner_id=c.owner_id,
            tags=tuple(tags[c.id]),
        )
        for c in customers
    ]


def _conditions(
    session: Session, filters: CustomerFilter, errors: dict[str, str]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if clean_text(filters.search):
        conditions.append(_search(session, clean_text(filters.search)))
    if filters.stage:
        try:
            conditions.append(Customer.lifecycle_stage == LifecycleStage(filters.stage))
        except ValueError:
            errors["stage"] = f"unknown stage {filters.stage!r}"
    if filters.owner == NO_OWNER:
        conditions.append(Customer.owner_id.is_(None))
    elif filters.owner:
        if filters.owner.isdigit() and int(filters.owner) < 2**31:
            conditions.append(Customer.owner_id == int(filters.owner))
        else:
            errors["owner"] = f"unknown owner {filters.owner!r}"
    if filters.tier:
        conditions.append(Customer.tier == clean_text(filters.tier).lower())
    if clean_text(filters.tag):
        tagged = (
            select(customer_tags.c.customer_id)
            .join(Tag, Tag.id == customer_tags.c.tag_id)
            .where(Tag.name_key == fold(filters.tag))
        )
        conditions.append(Customer.id.in_(tagged))
    return conditions


def _search(session: Session, text: str) -> ColumnElement[bool]:
    if "@" in text:
        return _email_search(session, text)
    if _PHONE_LIKE.fullmatch(text) and sum(c.isdigit() for c in text) >= 6:
        return _phone_search(session, text)
    key = fold(text)
    # The organisations first (a small table): their ids then use the customers' index.
    organisations = list(
        session.scalars(
            select(Organization.id).where(Organization.name_key.contains(key, autoescape=True))
        )
    )
    return or_(
        Customer.name_key.contains(key, autoescape=True),
        Customer.organization_id.in_(organisations),
        Customer.email.startswith(text.lower(), autoescape=True),
    )


def _matching_ids(
    session: Session, found: ColumnElement[bool], kind: IdentityKind, key: str
) -> ColumnElement[bool]:
    """Customers matching `found` or holding the identity (kind, key), as a list of ids
    looked up first: an OR with a subquery made PostgreSQL scan every customer."""
    ids = set(session.scalars(select(Customer.id).where(found)))
    ids.update(
        session.scalars(
            select(ChannelIdentity.customer_id).where(
                ChannelIdentity.kind == kind, ChannelIdentity.address == key
            )
        )
    )
    return Customer.id.in_(sorted(ids)) if ids else false()


def _email_search(session: Session, text: str) -> ColumnElement[bool]:
    try:
        email = normalise_email(text)
    except InvalidValue:
        # Part of an address ("jane@acme"): its start, through the email index.
        return Customer.email.startswith(text.lower(), autoescape=True)
    return _matching_ids(session, Customer.email == email, IdentityKind.EMAIL, email)


def _phone_search(session: Session, text: str) -> ColumnElement[bool]:
    try:
        digest = phone_digest(session, text)
    except InvalidValue:
        return false()
    return _matching_ids(session, Customer.phone_hash == digest, IdentityKind.PHONE, digest)
