"""Service contract demo data for `servicedesk demo`: a gold contract on Acme Corp, two
requests by mail from Acme's people counted against it (one solved, with time
logged), so their pages show the entitlement left.

Idempotent: the contract is looked up by number; the requests carry fixed provider ids,
so a second intake is a no-op (nothing counted or logged twice).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from channels.messages import InboundMessage, Sender
from crm_core.access import Viewer
from crm_core.contracts.models import Contract, ContractStatus
from crm_core.contracts.operations import ContractDraft, save_contract
from crm_core.db import UnitOfWork, utcnow
from crm_core.orders.models import Product
from crm_core.organisations import find_organisation_by_name
from servicedesk.desk.accounts import find_agent
from servicedesk.desk.contracts import log_request_time
from servicedesk.desk.models import Status
from servicedesk.desk.operations import change_status, receive_inbound
from servicedesk.desk.ports import RequestRouter

NUMBER = "SC-2026-0042"
ORGANISATION = "Acme Corp"
COVERED_SKUS = ("PLAN-TEAM", "ONBOARD")  # the sales demo's products, when it has run
REQUESTS = [
    ("demo-contract-1", "priya@acme.example", "Priya Nair", "SSO login loops back",
     "After the IdP change our team lands on the login page again after signing in.", 50),
    ("demo-contract-2", "jonas.k@acme.example", "Jonas Keller", "Export to CSV times out",
     "The monthly export of all tickets times out after a minute since yesterday.", None),
]  # fmt: skip


def load_contract_demo(
    make_uow: Callable[[], UnitOfWork], router: RequestRouter | None = None
) -> list[str]:
    """Load the contract and its requests; the line pointing at the contract's page."""
    with make_uow() as uow:
        contract_id = _ensure_contract(uow)
        uow.commit()
    if contract_id is None:
        return []  # the CRM demo's organisation is missing: nothing to hold the contract
    for spec in REQUESTS:
        with make_uow() as uow:
            _ensure_request(uow, spec, router)
            uow.commit()
    return [f"  a service contract: /contracts/{contract_id}"]


def _ensure_contract(uow: UnitOfWork) -> int | None:
    session = uow.session
    organisation = find_organisation_by_name(session, ORGANISATION)
    if organisation is None:
        return None
    products = list(session.scalars(select(Product.id).where(Product.sku.in_(COVERED_SKUS))))
    existing = session.scalar(select(Contract).where(Contract.number == NUMBER))
    if existing is not None:
        if products and not existing.products:  # the sales demo ran after the first load
            existing.products = [session.get_one(Product, pid) for pid in products]
        return existing.id
    today = utcnow().date()
    draft = ContractDraft(
        NUMBER, starts_on=today - timedelta(days=180), ends_on=today + timedelta(days=185),
        organization_id=organisation.id, status=ContractStatus.ACTIVE, sla_tier="gold",
        incidents_included=12, minutes_included=20 * 60, product_ids=products,
        remind_days=[60, 30, 7], owner_id=organisation.owner_id,
        notes="Gold support for Acme's platform team: mail and help centre, 24/7.",
    )  # fmt: skip
    return save_contract(session, Viewer.system("demo"), draft).id


def _ensure_request(
    uow: UnitOfWork, spec: tuple[str, str, str, str, str, int | None], router: RequestRouter | None
) -> None:
    external_id, address, name, subject, text, minutes = spec
    message = InboundMessage(
        channel="email", external_id=f"{external_id}@acme.example",
        sender=Sender("email", address, name),
        subject=subject, text=text, received_at=utcnow() - timedelta(hours=3),
    )  # fmt: skip
    result = receive_inbound(uow, message, router=router)
    agent = find_agent(uow.session, "agent@demo.local")
    if minutes is not None and agent is not None and result.outcome == "created":
        log_request_time(uow.session, result.request_id, agent, minutes, "Reset the SSO session")
        change_status(uow, result.request_id, Status.SOLVED, agent_id=agent.id)
