"""Lead operations on SQLite and PostgreSQL: capture and dedupe, scoring with decay,
assignment, conversion keeping history, and who sees which leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.customers import ChannelIdentity, Customer, Organization
from crm_core.sales.assignment import Territory, add_territory, choose_owner
from crm_core.sales.capture import LeadInvalid, capture_lead, record_campaign_response
from crm_core.sales.conversion import DealTerms, convert_lead
from crm_core.sales.lead_access import LeadNotFound, NotPermitted, WrongStatus
from crm_core.sales.lead_events import LeadContext
from crm_core.sales.lead_timeline import activity_timeline
from crm_core.sales.leads import (
    LeadFilter,
    disqualify_lead,
    list_leads,
    log_activity,
    qualify_lead,
)
from crm_core.sales.models import Activity, ActivityKind, Lead, LeadStatus, Opportunity
from crm_core.sales.scoring import RuleSpec, add_scoring_rule, score_lead
from crm_core.timeline import merge_timeline
from tests.factories import make_customer

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ADMIN = Viewer.system()


def rep(user_id: int, *team: int) -> Viewer:
    return Viewer(user_id, frozenset({"sales"}), frozenset({user_id, *team}))


def test_capture_links_customer_and_second_capture_updates(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        customer = make_customer(uow, "Maria", email="maria@acme.example")
        first = capture_lead(
            uow.session,
            name="Maria M",
            email="Maria@ACME.example",
            source="form",
            context=LeadContext(now=NOW),
        )
        again = capture_lead(
            uow.session,
            name="",
            email="maria@acme.example",
            company="Acme",
            source="form",
            details={"title": "CTO"},
            context=LeadContext(now=NOW),
        )
        uow.commit()
        assert first.created and not again.created and again.lead.id == first.lead.id
        lead = first.lead
        assert lead.customer_id == customer.id and lead.company == "Acme" and lead.title == "CTO"
        kinds = [a.kind for a in uow.session.scalars(select(Activity))]
        assert kinds == [ActivityKind.FORM_SUBMIT, ActivityKind.FORM_SUBMIT]
        assert uow.session.query(Lead).count() == 1
        assert lead.first_contact_due_at is not None


def test_capture_names_every_bad_field(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow, pytest.raises(LeadInvalid) as caught:
        capture_lead(
            uow.session,
            name="x" * 201,
            email="not-an-email",
            details={"company_size": "many", "country": "Germany"},
        )
    assert set(caught.value.errors) == {"name", "email", "company_size", "country"}


def test_campaign_response_records_campaign_and_click(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        lead = record_campaign_response(uow.session, 7, email="new@initech.example")
        again = record_campaign_response(uow.session, 8, email="NEW@initech.example")
        assert again.id == lead.id and lead.campaign_id == 7 and lead.source == "campaign"
        kinds = [a.kind for a in uow.session.scalars(select(Activity))]
        assert kinds == [ActivityKind.CAMPAIGN_CLICK, ActivityKind.CAMPAIGN_CLICK]


def test_score_with_decay_matches_hand_computed_numbers(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        s = uow.session
        add_scoring_rule(s, RuleSpec("exec", "fit", "title", "contains", "cto, vp", 20))
        add_scoring_rule(s, RuleSpec("mid size", "fit", "company_size", "between", "50-500", 15))
        add_scoring_rule(s, RuleSpec("free mail", "fit", "email_domain", "is", "free", -10))
        add_scoring_rule(s, RuleSpec("forms", "behaviour", "form_submit", "", "", 10, 7))
        add_scoring_rule(s, RuleSpec("clicks", "behaviour", "campaign_click", "", "", 4))
        lead = capture_lead(
            s,
            name="Vic",
            email="vic@globex.example",
            source="manual",
            details={"title": "VP Sales", "company_size": "500"},
            context=LeadContext(now=NOW),
        ).lead
        for days in (0, 7, 14):
            s.add(
                Activity(
                    kind=ActivityKind.FORM_SUBMIT, lead_id=lead.id, at=NOW - timedelta(days=days)
                )
            )
        s.add(
            Activity(
                kind=ActivityKind.CAMPAIGN_CLICK, lead_id=lead.id, at=NOW - timedelta(days=100)
            )
        )
        s.flush()
        # 20 + 15 + forms 10 + 5 + 2.5 + clicks 4 (no half-life) = 56.5, rounded half up.
        score = score_lead(s, lead, NOW)
        parts = {p["rule"]: p["points"] for p in lead.score_breakdown}
        assert parts == {"exec": 20.0, "mid size": 15.0, "forms": 17.5, "clicks": 4.0}
        assert score == 57 and lead.score == 57
        # A day later the forms are worth 10 * 0.5**(1/7) * (1 + 0.5 + 0.25).
        score_lead(s, lead, NOW + timedelta(days=1))
        parts = {p["rule"]: p["points"] for p in lead.score_breakdown}
        assert parts["forms"] == round(17.5 * 0.5 ** (1 / 7), 2) == 15.85


def test_round_robin_and_territory(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        s = uow.session
        add_territory(s, Territory("DACH", owner_id=30, country="de"))
        add_territory(s, Territory("Big banks", owner_id=20, industry="Banking", min_size=1000))
        reps = (10, 20, 30)
        owners = []
        for i, details in enumerate(
            [
                {},
                {},
                {"country": "DE"},
                {},
                {},
                {"industry": "banking", "company_size": "5000"},
                {"industry": "banking", "company_size": "50"},
            ]
        ):
            lead = capture_lead(
                s,
                name=f"L{i}",
                email=f"l{i}@x{i}.example",
                details=details,
                context=LeadContext(rep_ids=reps),
            ).lead
            owners.append(lead.owner_id)
        # Territories take DE and big banks; everyone else goes round 10, 20, 30, 10, ...
        assert owners == [10, 20, 30, 30, 10, 20, 20]
        # A territory whose owner left the reps is skipped.
        lead = Lead(country="DE", industry="")
        assert choose_owner(s, lead, (10, 20))[1] == "round robin"


def test_conversion_keeps_history(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        s = uow.session
        context = LeadContext(now=NOW)
        lead = capture_lead(
            s,
            name="Nia",
            email="nia@umbrella.example",
            company="Umbrella",
            source="form",
            owner_id=5,
            context=context,
        ).lead
        viewer = rep(5)
        log_activity(s, viewer, lead.id, "call", "intro call", context=LeadContext(now=NOW))
        assert lead.status == LeadStatus.CONTACTED and lead.first_contacted_at is not None
        with pytest.raises(WrongStatus):
            convert_lead(s, viewer, lead.id)
        qualify_lead(s, viewer, lead.id)
        deal = convert_lead(s, viewer, lead.id, DealTerms(amount=1200))
        uow.commit()
        customer = s.get_one(Customer, lead.customer_id)
        organisation = s.get_one(Organization, customer.organization_id)
        assert organisation.name == "Umbrella" and organisation.domain == "umbrella.example"
        assert s.scalars(select(ChannelIdentity.address)).all() == ["nia@umbrella.example"]
        assert lead.status == LeadStatus.CONVERTED and lead.opportunity_id == deal.id
        opportunity = s.get_one(Opportunity, deal.id)
        assert opportunity.stage.name == "prospecting" and opportunity.owner_id == 5
        assert opportunity.lead_id == lead.id and len(opportunity.history) == 1
        entries = merge_timeline(s, [customer.id], [activity_timeline])
        titles = [e.title for e in entries]
        assert any(t.startswith("call: intro call") for t in titles)
        assert any(t.startswith("form submit") for t in titles)
        assert all(a.lead_id == lead.id for a in s.scalars(select(Activity)))


def test_disqualify_needs_reason_and_closes(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        lead = capture_lead(uow.session, name="Ned", email="ned@x.example", owner_id=1).lead
        with pytest.raises(WrongStatus):
            disqualify_lead(uow.session, ADMIN, lead.id, "  ")
        disqualify_lead(uow.session, ADMIN, lead.id, "student project")
        assert lead.status == LeadStatus.DISQUALIFIED
        assert lead.disqualify_reason == "student project"
        with pytest.raises(WrongStatus):
            qualify_lead(uow.session, ADMIN, lead.id)


def test_rep_sees_own_and_team_leads_only(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        s = uow.session
        for owner in (1, 2, 3, None):
            capture_lead(s, name=f"lead of {owner}", email=f"o{owner}@x.example", owner_id=owner)
        s.flush()
        ids = {lead.owner_id for lead in list_leads(s, rep(1, 2), LeadFilter(), NOW)}
        assert ids == {1, 2}
        assert len(list_leads(s, ADMIN, LeadFilter(), NOW)) == 4
        marketing = Viewer(9, frozenset({"marketing"}))
        assert len(list_leads(s, marketing, LeadFilter(), NOW)) == 4
        assert (
            list_leads(s, Viewer(8, frozenset({"agent"}), frozenset({8})), LeadFilter(), NOW) == []
        )
        other = s.scalars(select(Lead).where(Lead.owner_id == 3)).one()
        with pytest.raises(LeadNotFound):
            log_activity(s, rep(1, 2), other.id, "note", "peek")
        with pytest.raises(NotPermitted):
            log_activity(s, marketing, other.id, "note", "peek")


def test_overdue_filter(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        s = uow.session
        context = LeadContext(first_contact_hours=4, now=NOW)
        late = capture_lead(s, name="Late", email="late@x.example", owner_id=1, context=context)
        done = capture_lead(s, name="Done", email="done@x.example", owner_id=1, context=context)
        log_activity(s, ADMIN, done.lead.id, "email", "hello", context=context)
        s.flush()
        found = list_leads(s, ADMIN, LeadFilter(overdue=True), NOW + timedelta(hours=5))
        assert [lead.id for lead in found] == [late.lead.id]
        assert list_leads(s, ADMIN, LeadFilter(overdue=True), NOW + timedelta(hours=3)) == []
