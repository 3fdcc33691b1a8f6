"""Behaviour a lead shows elsewhere is logged on their lead and scored: a reply by mail,
a help centre visit (once a day), a campaign click."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from channels.messages import InboundMessage, Sender
from crm_core.sales.behaviour import note_behaviour
from crm_core.sales.capture import capture_lead
from crm_core.sales.models import Activity, ActivityKind, Lead, LeadStatus, ScoringRule
from servicedesk.desk.operations import receive_inbound


def _rules(uow) -> None:  # type: ignore[no-untyped-def]
    for kind, points in ((ActivityKind.REPLY, 3), (ActivityKind.PORTAL_VISIT, 5)):
        uow.session.add(
            ScoringRule(name=kind.value, kind="behaviour", field=kind.value, points=points)
        )


def test_a_reply_by_mail_and_a_visit_a_day_raise_the_score(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        _rules(uow)
        lead_id = capture_lead(uow.session, name="Ann", email="ann@acme.example").lead.id
        receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id="q1@acme.example",
                sender=Sender("email", "Ann@Acme.example", "Ann"),
                subject="Pricing?",
                text="What does the team plan cost?",
            ),
        )
        day = timedelta(days=1)
        visits = [
            note_behaviour(uow.session, "ann@acme.example", ActivityKind.PORTAL_VISIT, "help",
                           once_within=day)
            for _ in range(2)
        ]  # fmt: skip
        nobody = note_behaviour(uow.session, "zed@x.example", ActivityKind.REPLY, "x")
        uow.commit()
        kinds = uow.session.scalars(
            select(Activity.kind).where(Activity.lead_id == lead_id).order_by(Activity.id)
        ).all()
        stored = uow.session.get(Lead, lead_id)
        assert stored is not None and stored.score == 8
    assert visits == [True, False] and nobody is False
    assert ActivityKind.REPLY in kinds and kinds.count(ActivityKind.PORTAL_VISIT) == 1


def test_a_lead_captured_after_a_note_in_the_same_transaction_gets_the_next_note(
    uow_factory,
) -> None:  # type: ignore[no-untyped-def]
    # The open leads' addresses are read once per transaction: a lead captured later in
    # it (pending or flushed) must not be missed, and one closed meanwhile not noted.
    with uow_factory() as uow:
        _rules(uow)
        assert note_behaviour(uow.session, "bea@acme.example", ActivityKind.REPLY, "1") is False
        bea = capture_lead(uow.session, name="Bea", email="bea@acme.example").lead
        assert note_behaviour(uow.session, "bea@acme.example", ActivityKind.REPLY, "2") is True
        uow.session.flush()
        cy = capture_lead(uow.session, name="Cy", email="cy@acme.example").lead
        uow.session.flush()
        assert note_behaviour(uow.session, "cy@acme.example", ActivityKind.REPLY, "3") is True
        bea.status = LeadStatus.DISQUALIFIED
        assert note_behaviour(uow.session, "bea@acme.example", ActivityKind.REPLY, "4") is False
        assert cy.score == 3
