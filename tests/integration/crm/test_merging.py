"""Merging two customers and undoing it: every row that pointed at the merged one moves
to the survivor and, on undo, exactly those rows move back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint, func, select
from sqlalchemy.engine import Engine

from crm_core.access import READ_ONLY, Viewer
from crm_core.customers import ChannelIdentity, Customer, IdentityKind, LifecycleStage
from crm_core.customers.merging import (
    CustomerMerge,
    MergeError,
    merge_customers,
    referencing_columns,
    undo_merge,
)
from crm_core.customers.notes import add_customer_note
from crm_core.customers.visibility import NotAllowed
from crm_core.db import Base, utcnow
from servicedesk.desk.models import Message, ServiceRequest
from tests.factories import make_customer, make_message, make_request


@pytest.fixture
def tags_table(engine: Engine) -> Iterator[Table]:
    """A table added "by another package": found through Base.metadata, unique per tag."""
    table = Table(
        "test_customer_tags",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("customer_id", ForeignKey("customers.id"), nullable=False),
        Column("tag", String(40), nullable=False),
        UniqueConstraint("customer_id", "tag"),
    )
    table.create(engine)
    yield table
    table.drop(engine)
    Base.metadata.remove(table)


def _counts(session, customer_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        f"{table.name}.{column}": session.scalar(
            select(func.count()).select_from(table).where(table.c[column] == customer_id)
        )
        for table, column in referencing_columns()
    }


def _build(uow, tags_table):  # type: ignore[no-untyped-def]
    keep = make_customer(uow, "Maria Rossi", email="maria@work.example")
    gone = make_customer(uow, "M. Rossi", email="maria@home.example")
    gone.phone, gone.address = "+4915112345678", "Via Roma 1"
    gone.lifecycle_stage = LifecycleStage.LOYAL
    uow.session.add(ChannelIdentity(customer=gone, kind=IdentityKind.SLACK, address="U123"))
    for subject in ("Invoice", "Refund"):
        request = make_request(uow, gone, subject=subject)
        make_message(uow, request, "and another thing")
    make_request(uow, keep, subject="Kept one")
    add_customer_note(uow.session, Viewer.system(), gone.id, "Prefers phone calls", "Ada")
    uow.session.execute(
        tags_table.insert(),
        [{"customer_id": keep.id, "tag": "vip"}, {"customer_id": gone.id, "tag": "vip"},
         {"customer_id": gone.id, "tag": "press"}],
    )  # fmt: skip
    uow.session.flush()
    return keep.id, gone.id


def test_merge_then_undo_moves_every_row_and_back(uow_factory, tags_table) -> None:
    with uow_factory() as uow:
        keep, gone = _build(uow, tags_table)
        uow.commit()
    with uow_factory() as uow:
        before = {keep: _counts(uow.session, keep), gone: _counts(uow.session, gone)}
    assert before[gone]["service_requests.customer_id"] == 2
    assert before[gone]["test_customer_tags.customer_id"] == 2

    with uow_factory() as uow:
        record = merge_customers(uow.session, keep, gone, 7, {"name": "merged"})
        uow.commit()
        merge_id = record.id
    with uow_factory() as uow:
        assert uow.session.get(Customer, gone) is None
        survivor = uow.session.get_one(Customer, keep)
        after = _counts(uow.session, keep)
        assert survivor.name == "M. Rossi"  # chosen
        assert survivor.email == "maria@work.example"  # kept
        assert survivor.phone == "+4915112345678"  # blank filled
        assert survivor.address == "Via Roma 1"
        for key, count in before[keep].items():
            twins = 1 if key == "test_customer_tags.customer_id" else 0  # "vip" twice
            assert after[key] == count + before[gone][key] - twins, key
        assert _counts(uow.session, gone) == dict.fromkeys(after, 0)
        record = uow.session.get_one(CustomerMerge, merge_id)
        assert record.actor_id == 7 and record.snapshot["name"] == "M. Rossi"
        assert record.moved_rows == sum(before[gone].values()) - 1
        assert [a["row"]["tag"] for a in record.set_aside] == ["vip"]
        assert {g["table"] for g in record.repointed} >= {
            "channel_identities", "service_requests", "messages", "customer_notes",
            "test_customer_tags",
        }  # fmt: skip

    with uow_factory() as uow:
        undo_merge(uow.session, merge_id, 8)
        uow.commit()
    with uow_factory() as uow:
        assert _counts(uow.session, keep) == before[keep]
        assert _counts(uow.session, gone) == before[gone]
        restored = uow.session.get_one(Customer, gone)
        assert restored.name == "M. Rossi" and restored.lifecycle_stage == LifecycleStage.LOYAL
        assert uow.session.get_one(Customer, keep).name == "Maria Rossi"
        assert uow.session.get_one(Customer, keep).phone is None
        requests = uow.session.scalars(
            select(ServiceRequest.subject).where(ServiceRequest.customer_id == gone)
        ).all()
        assert sorted(requests) == ["Invoice", "Refund"]
        assert uow.session.get_one(CustomerMerge, merge_id).undone_by == 8
    with uow_factory() as uow, pytest.raises(MergeError, match="undone already"):
        undo_merge(uow.session, merge_id, 8)


def test_undo_moves_back_only_the_rows_that_moved(uow_factory, tags_table) -> None:
    """A request the survivor got after the merge stays with the survivor."""
    with uow_factory() as uow:
        keep, gone = _build(uow, tags_table)
        merge_id = merge_customers(uow.session, keep, gone, None).id
        survivor = uow.session.get_one(Customer, keep)
        later = make_request(uow, survivor, subject="After the merge").id
        uow.commit()
    with uow_factory() as uow:
        undo_merge(uow.session, merge_id, None)
        uow.commit()
    with uow_factory() as uow:
        assert uow.session.get_one(ServiceRequest, later).customer_id == keep
        inbound = select(func.count()).select_from(Message).where(Message.customer_id == gone)
        assert uow.session.scalar(inbound) == 4  # two requests, two messages each


def test_undo_window_and_refusals(uow_factory) -> None:
    with uow_factory() as uow:
        a, b, c = (make_customer(uow, n).id for n in ("Ann", "Bea", "Cy"))
        with pytest.raises(MergeError, match="itself"):
            merge_customers(uow.session, a, a, None)
        with pytest.raises(MergeError, match="not a field"):
            merge_customers(uow.session, a, b, None, {"id": "merged"})
        viewer = Viewer(user_id=3, roles=frozenset({READ_ONLY}))
        with pytest.raises(NotAllowed):
            merge_customers(uow.session, a, b, 3, viewer=viewer)
        first = merge_customers(uow.session, b, a, None).id
        merge_customers(uow.session, c, b, None)
        with pytest.raises(MergeError, match="undo that merge first"):
            undo_merge(uow.session, first, None)
        uow.commit()
    with uow_factory() as uow, pytest.raises(MergeError, match="too late"):
        undo_merge(uow.session, first, None, now=utcnow() + timedelta(days=31))
