"""Converting a qualified lead into a customer, an organisation and an opportunity.

One step, one transaction. The customer is the one the lead was linked to, else the
one behind its email (created when new, a prospect); the organisation is the one the
company is called or the email's company domain implies, created when new. The deal
goes into the default pipeline's first open stage. The lead's activities stay on the
lead and are pointed at the customer too, so its history shows on the customer's
timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.customers import Customer, IdentityKind, Organization, resolve_identity
from crm_core.organisations import (
    create_organisation,
    find_organisation_by_name,
    infer_organisation,
    learn_domain,
)
from crm_core.sales.lead_access import WrongStatus, lead_for
from crm_core.sales.lead_events import LeadContext, add_activity
from crm_core.sales.models import (
    Activity,
    ActivityKind,
    Lead,
    LeadStatus,
    Opportunity,
    OpportunityStageChange,
)
from crm_core.sales.pipelines import default_pipeline, first_open_stage


@dataclass(frozen=True)
class DealTerms:
    """What the rep knows about the deal when converting; all optional."""

    name: str = ""
    amount: Decimal = Decimal("0")
    currency: str = "EUR"


def convert_lead(
    session: Session,
    viewer: Viewer,
    lead_id: int,
    terms: DealTerms | None = None,
    context: LeadContext | None = None,
) -> Opportunity:
    """Make the customer, organisation and opportunity of a qualified lead."""
    context, terms = context or LeadContext(), terms or DealTerms()
    lead = lead_for(session, viewer, lead_id, change=True)
    if lead.status != LeadStatus.QUALIFIED:
        raise WrongStatus(f"only a qualified lead converts; lead #{lead.id} is {lead.status}")
    customer = _customer_of(session, lead)
    organisation = _organisation_of(session, lead)
    if organisation is not None and customer.organization_id is None:
        customer.organization = organisation
    session.flush()
    opportunity = _open_deal(session, lead, customer, organisation, terms, context)
    lead.status, lead.converted_at = LeadStatus.CONVERTED, context.clock()
    lead.customer_id, lead.opportunity_id = customer.id, opportunity.id
    lead.organization_id = customer.organization_id
    session.execute(
        update(Activity).where(Activity.lead_id == lead.id).values(customer_id=customer.id)
    )
    add_activity(
        session,
        lead,
        ActivityKind.NOTE,
        context,
        actor_id=viewer.user_id,
        subject=f"converted to opportunity #{opportunity.id}",
    )
    return opportunity


def _customer_of(session: Session, lead: Lead) -> Customer:
    if lead.customer_id is not None:
        return session.get_one(Customer, lead.customer_id)
    if lead.email:
        customer = resolve_identity(session, IdentityKind.EMAIL, lead.email, lead.name or None)
    else:
        customer = Customer(name=lead.name)
        session.add(customer)
    if lead.phone and not customer.phone:
        customer.phone = lead.phone
    return customer


def _organisation_of(session: Session, lead: Lead) -> Organization | None:
    if lead.organization_id is not None:
        return session.get(Organization, lead.organization_id)
    if not lead.company:
        return infer_organisation(session, lead.email) if lead.email else None
    organisation = find_organisation_by_name(session, lead.company)
    if organisation is None and lead.email:
        organisation = infer_organisation(session, lead.email)
    if organisation is None:
        organisation = create_organisation(session, lead.company, owner_id=lead.owner_id)
    if lead.email:
        learn_domain(session, organisation, lead.email)
    return organisation


def _open_deal(
    session: Session,
    lead: Lead,
    customer: Customer,
    organisation: Organization | None,
    terms: DealTerms,
    context: LeadContext,
) -> Opportunity:
    stage = first_open_stage(default_pipeline(session))
    now = context.clock()
    opportunity = Opportunity(
        name=terms.name.strip() or lead.company or lead.name or f"Lead #{lead.id}",
        pipeline_id=stage.pipeline_id,
        stage_id=stage.id,
        customer_id=customer.id,
        organization_id=organisation.id if organisation else None,
        lead_id=lead.id,
        amount=terms.amount,
        currency=terms.currency.upper(),
        owner_id=lead.owner_id,
        stage_entered_at=now,
        created_at=now,
    )
    session.add(opportunity)
    session.flush()
    session.add(
        OpportunityStageChange(
            opportunity_id=opportunity.id, to_stage_id=stage.id, actor_id=lead.owner_id, at=now
        )
    )
    return opportunity
