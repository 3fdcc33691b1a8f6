"""A private sales pipeline and catalogue for the deals tests (the default pipeline is the
leads work's; these tests build their own so they do not depend on it)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from crm_core.access import ADMIN, SALES, Viewer
from crm_core.customers import Customer
from crm_core.orders.catalogue import ProductDraft, create_product
from crm_core.sales.models import Pipeline
from crm_core.sales.pipeline_admin import create_pipeline
from servicedesk.demo_sales import STAGES as DEMO_STAGES

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SYSTEM = Viewer.system()
# The demo's stages: the same six columns as the leads work's default pipeline.
STAGES = DEMO_STAGES


def sales_pipeline(session: Session, name: str = "Test sales") -> Pipeline:
    return create_pipeline(session, SYSTEM, name, STAGES, is_default=True)


def stage_id(pipeline: Pipeline, name: str) -> int:
    return next(stage.id for stage in pipeline.stages if stage.name == name)


def rep(user_id: int, *teammates: int) -> Viewer:
    """A sales rep whose team holds `teammates` (and themself)."""
    return Viewer(user_id, frozenset({SALES}), frozenset({user_id, *teammates}))


def admin(user_id: int = 99) -> Viewer:
    return Viewer(user_id, frozenset({ADMIN}), frozenset({user_id}))


def customer(session: Session, email: str, name: str = "") -> Customer:
    found = Customer(name=name or email.split("@")[0], email=email)
    session.add(found)
    session.flush()
    return found


def catalogue(session: Session) -> dict[str, int]:
    made = {
        "SEAT": create_product(
            session, SYSTEM, ProductDraft("SEAT", "Seat licence", Decimal("19.99"),
                                          tax_rate=Decimal("19")),
        ),
        "SETUP": create_product(
            session, SYSTEM, ProductDraft("SETUP", "Setup", Decimal("0.10"), tax_rate=Decimal("7"))
        ),
    }  # fmt: skip
    return {sku: product.id for sku, product in made.items()}
