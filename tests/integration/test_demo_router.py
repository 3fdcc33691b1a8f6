"""The demo trains its router at first start, so a newcomer sees routing at work."""

import re

from sqlalchemy import select

from channels.messages import InboundMessage, Sender
from crm_core.db import utcnow
from servicedesk.demo import load_demo, train_router
from servicedesk.desk.intake import receive_inbound
from servicedesk.desk.models import ServiceRequest, Team
from servicedesk.desk.routing.router import Router
from servicedesk.desk.routing.service import CategoryService


def _chat(uow_factory, router, key, text):  # type: ignore[no-untyped-def]
    message = InboundMessage(
        channel="webchat",
        external_id=key,
        sender=Sender("webchat", f"visitor-{key}", "Visitor"),
        subject=None,
        text=text,
        thread_key=key,
        received_at=utcnow(),
    )
    with uow_factory() as uow:
        result = receive_inbound(uow, message, router=router)
        uow.commit()
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, result.request_id)
        team = uow.session.get(Team, request.team_id) if request.team_id else None
        return request.category, request.routing_reason, team.name if team else None


def test_demo_router_places_demo_questions_and_sends_the_rest_to_triage(
    uow_factory, embedder, tmp_path
):
    service = CategoryService(tmp_path / "models", embedder)
    trained = train_router(service)
    assert trained is not None and set(trained.labels) >= {"Billing", "Account", "Orders"}
    assert train_router(service) is None  # trained once: a restart keeps the stored model
    router = Router(service)
    load_demo(uow_factory, router)

    with uow_factory() as uow:
        demo = uow.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).first()
        assert demo is not None and demo.category == "Billing"
        assert "no model trained" not in (demo.routing_reason or "")

    category, reason, team = _chat(
        uow_factory, router, "c1", "Hi, I was billed twice this month, can I get a refund?"
    )
    assert category == "Billing"
    assert re.search(r"category Billing [01]\.\d\d by model v1", reason)
    assert team == "Support"

    category, reason, team = _chat(
        uow_factory, router, "c2", "Which football team won the match last night?"
    )
    assert category is None and team == "Triage"
    assert "out of scope" in reason
