"""The demo's CRM: organisations and customers in every lifecycle stage, with notes and a
history of requests, so the first look at a customer page shows a real 360 timeline.

Loading twice changes nothing: organisations and customers are looked up by name and
email, notes by their text, and requests carry fixed provider ids (the desk's dedupe).
Their lifecycle stages are computed from orders (the sales demo's), never typed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from channels.messages import InboundMessage, Sender
from crm_core.customers import IdentityKind, resolve_identity
from crm_core.customers.notes import CustomerNote
from crm_core.db import UnitOfWork, utcnow
from crm_core.organisations import Tier, create_organisation, find_organisation_by_name
from servicedesk.desk.accounts import find_agent
from servicedesk.desk.models import Status
from servicedesk.desk.operations import post_reply, receive_inbound
from servicedesk.desk.ports import RequestRouter

CRM_DEMO = Path(__file__).parent / "demo_data" / "crm_demo.json"


def load_crm_demo(make_uow: Callable[[], UnitOfWork], router: RequestRouter | None = None) -> int:
    """Load the demo's organisations, customers, notes and past requests; the id of the
    first customer (the one to open first)."""
    data = json.loads(CRM_DEMO.read_text(encoding="utf-8"))
    with make_uow() as uow:
        for spec in data["organisations"]:
            _ensure_organisation(uow, spec)
        uow.commit()
    first_id = None
    for spec in data["customers"]:
        with make_uow() as uow:
            customer_id = _ensure_customer(uow, spec)
            uow.commit()
        first_id = first_id or customer_id
        for request in spec["requests"]:
            with make_uow() as uow:
                _ensure_request(uow, spec, request, router)
                uow.commit()
    assert first_id is not None
    return first_id


def _agent_id(uow: UnitOfWork, email: str | None) -> int | None:
    agent = find_agent(uow.session, email) if email else None
    return agent.id if agent else None


def _ensure_organisation(uow: UnitOfWork, spec: dict[str, Any]) -> None:
    if find_organisation_by_name(uow.session, spec["name"]) is None:
        create_organisation(
            uow.session, spec["name"], domains=[spec["domain"]], tier=Tier(spec["tier"]),
            owner_id=_agent_id(uow, spec["owner"]),
        )  # fmt: skip


def _ensure_customer(uow: UnitOfWork, spec: dict[str, Any]) -> int:
    session = uow.session
    customer = resolve_identity(session, IdentityKind.EMAIL, spec["email"], spec["name"])
    customer.name = customer.name or spec["name"]
    if spec["organisation"]:
        customer.organization = find_organisation_by_name(session, spec["organisation"])
    customer.vip = bool(spec.get("vip"))
    customer.address = customer.address or spec.get("address")
    session.flush()
    known = set(
        session.scalars(select(CustomerNote.text).where(CustomerNote.customer_id == customer.id))
    )
    for note in spec["notes"]:
        if note["text"] not in known:
            author = find_agent(session, note["by"])
            session.add(CustomerNote(
                customer_id=customer.id, author_id=author.id if author else None,
                author_name=author.name if author else "", text=note["text"],
                created_at=utcnow() - timedelta(days=note["days_ago"]),
            ))  # fmt: skip
    return customer.id


def _ensure_request(
    uow: UnitOfWork, customer: dict[str, Any], spec: dict[str, Any], router: RequestRouter | None
) -> None:
    opened = utcnow() - timedelta(days=spec["days_ago"])
    message = InboundMessage(
        channel="email", external_id=f"demo-crm-{spec['key']}@customer.example",
        sender=Sender("email", customer["email"], customer["name"]),
        subject=spec["subject"], text=spec["text"], received_at=opened,
    )  # fmt: skip
    result = receive_inbound(uow, message, router=router)
    agent_id = _agent_id(uow, "agent@demo.local")
    if result.outcome != "created" or agent_id is None:
        return
    status = Status.SOLVED if spec.get("solved") else None
    reply = post_reply(uow, result.request_id, agent_id, spec["reply"], status_after=status)
    reply.created_at = opened + timedelta(hours=3)  # answered the same day, back then
    uow.session.flush()
