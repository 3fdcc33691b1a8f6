"""Consent per purpose and unsubscribe; the audit log of customer and organisation changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.audit import AuditEntry, AuditFilter, audited, list_entries
from crm_core.customers import Customer, Organization
from crm_core.privacy import (
    ConsentError,
    ConsentRecord,
    consent_state,
    consented_customer_ids,
    contactable,
    grant_consent,
    is_suppressed,
    may_contact,
    unsubscribe,
    withdraw_consent,
)
from tests.factories import make_customer

REP = Viewer(user_id=7, roles=frozenset({"sales"}), name="Rita Rep")


def test_consent_history_newest_wins_and_unsubscribe_is_honoured(uow_factory) -> None:
    with uow_factory() as uow:
        s = uow.session
        ann = make_customer(uow, "Ann", email="ann@consent.example")
        bob = make_customer(uow, "Bob")
        at = datetime(2026, 1, 2, tzinfo=UTC)
        grant_consent(s, ann.id, "newsletter", "web-form", recorded_by="portal", at=at)
        grant_consent(s, ann.id, "sms", "agent")
        grant_consent(s, bob.id, "newsletter", "import")
        assert consent_state(s, ann.id) == {
            "marketing_email": False,
            "newsletter": True,
            "product_updates": False,
            "sms": True,
        }
        assert contactable(s, [bob.id, ann.id], "newsletter") == [bob.id, ann.id]
        withdraw_consent(s, ann.id, "sms", "agent")
        assert not may_contact(s, ann.id, "sms")
        assert may_contact(s, ann.id, "newsletter")
        # The unsubscribe link of a newsletter: that purpose only, by address.
        assert unsubscribe(s, "ANN@consent.example ", "newsletter", "unsubscribe-link") == 1
        assert not may_contact(s, ann.id, "newsletter")
        assert set(s.scalars(consented_customer_ids("newsletter"))) == {bob.id}
        # A fresh grant after an unsubscribe: the address stays suppressed for that purpose.
        grant_consent(s, ann.id, "newsletter", "web-form")
        assert not may_contact(s, ann.id, "newsletter")
        # An address we do not know yet is suppressed for when it arrives.
        assert unsubscribe(s, "nobody@consent.example", None, "mail-reply") == 0
        assert is_suppressed(s, "Nobody@Consent.example", "sms")
        history = s.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.customer_id == ann.id)
            .order_by(ConsentRecord.id)
        ).all()
        assert [(r.purpose, r.granted, r.source) for r in history][:2] == [
            ("newsletter", True, "web-form"),
            ("sms", True, "agent"),
        ]
        assert history[0].recorded_by == "portal"
        with pytest.raises(ConsentError, match="purpose: one of marketing_email"):
            grant_consent(s, ann.id, "telepathy", "agent")
        with pytest.raises(ConsentError, match="source: say how"):
            grant_consent(s, ann.id, "sms", " ")


def test_audited_changes_keep_before_and_after(uow_factory) -> None:
    with uow_factory() as uow:
        s = uow.session
        quiet = make_customer(uow, "Quiet")  # changed outside `audited`: not logged
        quiet.name = "Still quiet"
        with audited(s, REP, reason="phone call"):
            org = Organization(name="Acme", tier="standard")
            s.add(org)
            carl = Customer(name="Carl", email="carl@acme.example")
            s.add(carl)
        with audited(s, REP):
            carl.name = "Carl Jr."
            carl.organization = org
            org.tier = "premium"
        uow.commit()
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.entity, e.action) for e in entries] == [
            ("organisation", "create"),
            ("customer", "create"),
            ("customer", "update"),
            ("organisation", "update"),
        ]
        created = entries[1]
        assert created.changes["email"] == [None, "carl@acme.example"]
        assert (created.actor_id, created.actor_name, created.reason) == (
            7,
            "Rita Rep",
            "phone call",
        )
        assert entries[2].changes == {
            "name": ["Carl", "Carl Jr."],
            "organization_id": [None, org.id],
        }
        assert entries[3].changes == {"tier": ["standard", "premium"]}
        page = list_entries(s, AuditFilter(entity="customer", entity_id=str(carl.id)), per_page=1)
        assert (page.total, page.pages, [e.action for e in page.entries]) == (2, 2, ["update"])
        assert list_entries(s, AuditFilter(action="create", actor_id=8)).total == 0
