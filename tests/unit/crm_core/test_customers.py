"""resolve_identity and link_identity: one customer per address, whatever the spelling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crm_core.customers import (
    ChannelIdentity,
    Customer,
    IdentityKind,
    LifecycleStage,
    identities,
    link_identity,
    resolve_identity,
)
from crm_core.db import make_session_factory


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with make_session_factory(sqlite_engine)() as opened:
        yield opened


def count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_new_address_makes_a_prospect_with_that_address(session: Session) -> None:
    customer = resolve_identity(session, "email", " Ann@Example.COM ", "Ann Lee")
    assert (customer.name, customer.email) == ("Ann Lee", "ann@example.com")
    assert customer.lifecycle_stage == LifecycleStage.PROSPECT
    assert [(i.kind, i.address) for i in customer.identities] == [
        (IdentityKind.EMAIL, "ann@example.com")
    ]


def test_an_email_address_is_found_whatever_its_case(session: Session) -> None:
    first = resolve_identity(session, "email", "ann@example.com")
    again = resolve_identity(session, "email", "ANN@example.com", "Ann")
    assert again.id == first.id
    assert again.name == "Ann"  # a name learnt later fills the empty one
    assert resolve_identity(session, "email", "ann@example.com", "Someone Else").name == "Ann"
    assert count(session, Customer) == 1


def test_other_channels_keep_their_ids_as_given(session: Session) -> None:
    upper = resolve_identity(session, "webchat", "Visitor-A")
    lower = resolve_identity(session, "webchat", "visitor-a")
    assert upper.id != lower.id
    assert upper.email is None


def test_an_address_a_concurrent_intake_just_added_is_read_not_duplicated(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = resolve_identity(session, "email", "ann@example.com")
    session.commit()
    real_find = identities.find_identity
    calls: list[str] = []

    def missed_once(session: Session, kind: str, address: str) -> ChannelIdentity | None:
        calls.append(address)  # the first look-up ran before the other intake committed
        return None if len(calls) == 1 else real_find(session, kind, address)

    monkeypatch.setattr(identities, "find_identity", missed_once)
    ours = resolve_identity(session, "email", "ann@example.com")
    assert ours.id == theirs.id and len(calls) == 2
    assert count(session, Customer) == 1 and count(session, ChannelIdentity) == 1


def test_a_second_address_links_to_the_same_customer_once(session: Session) -> None:
    visitor = resolve_identity(session, "webchat", "v-1")
    identity = link_identity(session, visitor, "email", "Ann@Example.com", "Ann")
    assert identity.address == "ann@example.com"
    assert resolve_identity(session, "email", "ann@example.com").id == visitor.id
    assert link_identity(session, visitor, "email", "ann@example.com").id == identity.id
    assert count(session, ChannelIdentity) == 2
