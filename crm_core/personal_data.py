"""The GDPR export and erasure parts of crm_core's sales, order, lifecycle, import and
help centre account tables, added to the privacy registry.

Kept apart from `crm_core.privacy` because these packages sit above it (sales scopes its
records through `access`, which reads consent): the registry is filled from here, the
topmost module of crm_core, without an import circle.

What erasure keeps, and why: orders and deals stay as business and accounting records
(amounts, dates, statuses: the tax law's retention and the revenue reports need them),
but every free text that could name the person is blanked; leads and activities lose
every personal field; stage changes hold nothing personal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crm_core.campaigns.models import Delivery, Suppression, Touch
from crm_core.campaigns.workflows import privacy as workflow_privacy
from crm_core.contracts.personal_data import add_contract_parts
from crm_core.customers.field_models import CustomFieldValue
from crm_core.customers.notes import CustomerNote
from crm_core.customers.records import Address, Tag, customer_tags
from crm_core.importing.log import ImportRejection
from crm_core.jsonable import row_as_json
from crm_core.lifecycle.models import StageChange
from crm_core.orders.models import Order
from crm_core.portal_accounts import PortalAccount
from crm_core.privacy import PrivacyRegistry
from crm_core.privacy.person import crm_core_registry
from crm_core.privacy.registry import Erasure
from crm_core.sales.models import Activity, Lead, Opportunity


def personal_data_registry(registry: PrivacyRegistry | None = None) -> PrivacyRegistry:
    """crm_core's own parts (customers, consent, confirmations) and the ones here."""
    registry = crm_core_registry(registry)
    registry.add_eraser("import_rejections", erase_import_rejections, ["import_rejections"])
    parts: list[tuple[str, Any, str]] = [
        ("leads", Lead, "sales_leads"),
        ("sales_activities", Activity, "sales_activities"),
        ("opportunities", Opportunity, "sales_opportunities"),
        ("orders", Order, "orders"),
        ("stage_changes", StageChange, "customer_stage_changes"),
        ("customer_notes", CustomerNote, "customer_notes"),
        ("addresses", Address, "addresses"),
        ("custom_fields", CustomFieldValue, "custom_field_values"),
        ("campaign_mail", Delivery, "marketing_deliveries"),
        ("campaign_touches", Touch, "marketing_touches"),
    ]
    for name, model, table in parts:
        registry.add_exporter(name, _rows_of(model), [table])
    registry.add_exporter("help_centre_account", _account, ["portal_accounts"])
    registry.add_eraser("leads", erase_leads, ["sales_leads", "sales_activities"])
    registry.add_eraser("deals", erase_deal_texts, ["sales_opportunities"])
    registry.add_eraser("kept_records", _keep, ["orders", "customer_stage_changes"])
    registry.add_eraser("help_centre_account", erase_account, ["portal_accounts"])
    registry.add_eraser("customer_notes", erase_notes, ["customer_notes"])
    registry.add_exporter("tags", _tags, ["customer_tags"])
    record_tables = ["addresses", "custom_field_values", "customer_tags"]
    registry.add_eraser("customer_records", erase_records, record_tables)
    campaign_tables = ["marketing_deliveries", "marketing_suppressions", "marketing_touches"]
    registry.add_eraser("campaign_mail", erase_campaign_traces, campaign_tables)
    add_contract_parts(registry)
    workflow_privacy.register(registry)
    return registry


def _rows_of(model: Any) -> Callable[[Session, int], list[dict[str, Any]]]:
    def export(session: Session, customer_id: int) -> list[dict[str, Any]]:
        query = select(model).where(model.customer_id == customer_id).order_by(model.id)
        return [row_as_json(row) for row in session.scalars(query)]

    return export


def _account(session: Session, customer_id: int) -> dict[str, Any] | None:
    account = session.get(PortalAccount, customer_id)
    if account is None:
        return None
    exported = row_as_json(account)
    exported.pop("password_hash", None)  # a hash is no data about the person, only a risk
    return exported


def erase_import_rejections(session: Session, erasure: Erasure) -> None:
    """Rejected import rows keep the value that was refused: drop those that quote the person."""
    values = [v for v in (*erasure.emails, *erasure.phones) if v]
    if values:
        session.execute(delete(ImportRejection).where(ImportRejection.value.in_(values)))


def erase_leads(session: Session, erasure: Erasure) -> None:
    """The person's leads keep source, status and dates for the reports; nothing personal."""
    leads = select(Lead.id).where(
        (Lead.customer_id == erasure.customer_id) | Lead.email.in_(erasure.emails or ("",))
    )
    lead_ids = list(session.scalars(leads))
    blank = {"name": "", "email": None, "phone": None, "company": "", "title": ""}
    if lead_ids:
        session.execute(update(Lead).where(Lead.id.in_(lead_ids)).values(**blank, external_id=None))
    session.execute(
        update(Activity)
        .where((Activity.customer_id == erasure.customer_id) | Activity.lead_id.in_(lead_ids))
        .values(subject="(erased)", body="")
    )


def erase_deal_texts(session: Session, erasure: Erasure) -> None:
    """Deals stay (amounts and stages are the business's), their free texts go."""
    session.execute(
        update(Opportunity)
        .where(Opportunity.customer_id == erasure.customer_id)
        .values(name="Erased customer's deal", next_step="", close_reason=None)
    )


def erase_account(session: Session, erasure: Erasure) -> None:
    session.execute(delete(PortalAccount).where(PortalAccount.customer_id == erasure.customer_id))


def erase_notes(session: Session, erasure: Erasure) -> None:
    """Notes about the person say who they are: they go."""
    session.execute(delete(CustomerNote).where(CustomerNote.customer_id == erasure.customer_id))


def _tags(session: Session, customer_id: int) -> list[str]:
    query = (
        select(Tag.name)
        .join(customer_tags, customer_tags.c.tag_id == Tag.id)
        .where(customer_tags.c.customer_id == customer_id)
    )
    return sorted(session.scalars(query))


def erase_records(session: Session, erasure: Erasure) -> None:
    """Addresses, custom field values and tags describe the person: they go."""
    customer_id = erasure.customer_id
    session.execute(delete(Address).where(Address.customer_id == customer_id))
    session.execute(delete(CustomFieldValue).where(CustomFieldValue.customer_id == customer_id))
    session.execute(delete(customer_tags).where(customer_tags.c.customer_id == customer_id))


def erase_campaign_traces(session: Session, erasure: Erasure) -> None:
    """Deliveries and touches stay counted in the campaigns' figures, without the address
    or the person; the plain suppression rows go (the consent's hashed suppression keeps
    the address unmailed)."""
    session.execute(
        update(Delivery).where(Delivery.customer_id == erasure.customer_id).values(email="")
    )
    # Banner and Slack touches stay counted, as anonymous ones.
    session.execute(
        update(Touch).where(Touch.customer_id == erasure.customer_id).values(customer_id=None)
    )
    if erasure.emails:
        emails = [email.lower() for email in erasure.emails]
        session.execute(delete(Suppression).where(Suppression.email.in_(emails)))


def _keep(_session: Session, _erasure: Erasure) -> None:
    """Orders and stage changes hold no free text about the person: kept (see above)."""
