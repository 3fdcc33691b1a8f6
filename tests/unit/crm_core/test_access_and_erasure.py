"""Viewer rules and the pieces of erasure that need no database."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from crm_core.access import PermissionDenied, Viewer, ensure_admin
from crm_core.jsonable import plain
from crm_core.privacy import Erasure, address_hash


def test_viewer_roles() -> None:
    read_only = Viewer(user_id=3, roles=frozenset({"read-only"}))
    assert read_only.sees_everything and not read_only.may_write and not read_only.is_admin
    rep = Viewer(user_id=4, roles=frozenset({"sales"}), name="Rita")
    assert not rep.sees_everything and rep.may_write and rep.label == "Rita"
    assert Viewer(user_id=5).label == "user #5"
    assert Viewer.system("cli:root").label == "cli:root" and Viewer.system().is_admin
    with pytest.raises(PermissionDenied, match="only an admin may change roles"):
        ensure_admin(rep, "change roles")
    ensure_admin(Viewer.system(), "change roles")


def test_identifiers_name_the_person_and_skip_blanks() -> None:
    erasure = Erasure(
        customer_id=1, name="Ann Lee", emails=("ann@x.example",), phones=("+4930123",),
        addresses=("ann@x.example", "visitor-1", "", "ab"),
    )  # fmt: skip
    assert erasure.identifiers == ["+4930123", "Ann Lee", "ann@x.example", "visitor-1"]


def test_address_hash_is_case_and_space_blind_and_not_the_address() -> None:
    assert address_hash(" Ann@X.example ") == address_hash("ann@x.example")
    assert "ann" not in address_hash("ann@x.example")


def test_plain_makes_column_values_json_able() -> None:
    class Colour(enum.Enum):
        RED = "red"

    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    value = {"at": moment, "day": date(2026, 1, 2), "c": Colour.RED, "n": Decimal("1.50"),
             "list": (1, {"x": Colour.RED})}  # fmt: skip
    assert plain(value) == {
        "at": "2026-01-02T03:04:00+00:00", "day": "2026-01-02", "c": "red", "n": "1.50",
        "list": [1, {"x": "red"}],
    }  # fmt: skip
