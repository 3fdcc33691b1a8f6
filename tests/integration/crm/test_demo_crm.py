"""`servicedesk demo` loads customers in several stages with a real 360 timeline."""

from __future__ import annotations

from sqlalchemy import func, select

from crm_core.access import ADMIN, AGENT, Viewer
from crm_core.customers import Customer, LifecycleStage
from crm_core.customers.notes import CustomerNote
from crm_core.dedupe import find_duplicates
from crm_core.lifecycle import LifecycleRules
from servicedesk.demo import load_demo
from servicedesk.demo_sales import load_sales_demo
from servicedesk.desk.customer_view import customer_view, organisation_view
from servicedesk.desk.models import ServiceRequest


def _counts(uow_factory) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        return tuple(  # type: ignore[return-value]
            uow.session.scalar(select(func.count()).select_from(model))
            for model in (Customer, CustomerNote, ServiceRequest)
        )


def test_demo_customers_have_stages_and_a_360_timeline(uow_factory) -> None:
    lines = load_demo(uow_factory)
    load_sales_demo(uow_factory, LifecycleRules())  # orders set the stages, as in the CLI
    first = _counts(uow_factory)
    load_demo(uow_factory)
    load_sales_demo(uow_factory, LifecycleRules())
    assert _counts(uow_factory) == first  # loading twice changes nothing
    customer_id = int(lines[-1].rsplit("/", 1)[1])
    agent = Viewer(user_id=2, roles=frozenset({AGENT}))
    with uow_factory() as uow:
        stages = set(uow.session.scalars(select(Customer.lifecycle_stage)))
        assert stages == set(LifecycleStage)
        view = customer_view(uow.session, agent, customer_id)
        assert view is not None and view.customer.name == "Maria Rossi"
        # Computed from the sales demo's orders, never typed.
        assert view.customer.lifecycle_stage == LifecycleStage.LOYAL
        assert view.owner_name == "Ada Admin" and view.tier == "premium"
        kinds = [entry.kind for entry in view.timeline]
        assert {"request", "message", "internal-note", "note"} <= set(kinds)
        assert kinds.count("request") == 3
        assert view.timeline == sorted(view.timeline, key=lambda e: e.at, reverse=True)
        # An admin sees every person of the organisation; an agent only those with requests.
        admin = Viewer(user_id=1, roles=frozenset({ADMIN}))
        org = organisation_view(uow.session, admin, view.customer.organization_id)
        assert org is not None and {p.name for p in org.people} == {"Maria Rossi", "Maria Rosi"}
        seen = organisation_view(uow.session, agent, view.customer.organization_id)
        assert seen is not None and "Maria Rosi" not in {p.name for p in seen.people}
        pairs = find_duplicates(uow.session)
        assert any({p.left_id, p.right_id} >= {customer_id} for p in pairs)
