"""Capturing a lead from a web form, Slack, an import or a campaign response.

One person is one open lead: a second capture of the same email updates the open lead
(filling its blanks) and logs the submission as an activity instead of making a second
lead. A lead whose email is a customer's known address is linked to that customer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from crm_core.customers import IdentityKind, find_identity
from crm_core.normalise import InvalidValue, clean_text, normalise_email, normalise_phone
from crm_core.organisations import infer_organisation
from crm_core.sales.assignment import choose_owner
from crm_core.sales.lead_events import LeadContext, add_activity, rescore
from crm_core.sales.models import ActivityKind, Lead, LeadStatus

SOURCES = ("form", "slack", "import", "campaign", "manual")
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
_LIMITS = {"name": 200, "company": 200, "title": 200, "industry": 100}
MAX_COMPANY_SIZE = 10_000_000


class LeadInvalid(ValueError):
    """Fields of a submitted lead are wrong; `errors` maps each field to its reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True)
class LeadFields:
    """A lead's own facts, cleaned and checked."""

    name: str = ""
    email: str | None = None
    company: str = ""
    title: str = ""
    phone: str | None = None
    industry: str = ""
    company_size: int | None = None
    country: str | None = None


@dataclass
class Captured:
    lead: Lead
    created: bool
    notes: list[str] = field(default_factory=list)


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(None if value is None else str(value))


def _size(text: str) -> int | None:
    if not text:
        return None
    digits = text.replace(",", "").replace(" ", "")
    if not digits.isdigit() or not 0 < int(digits) <= MAX_COMPANY_SIZE:
        raise InvalidValue("company_size", text, "a whole number of employees, at least 1")
    return int(digits)


def _country(text: str) -> str | None:
    if not text:
        return None
    if len(text) != 2 or not text.isalpha() or not text.isascii():
        raise InvalidValue("country", text, "a two-letter country code such as DE")
    return text.upper()


def read_lead_fields(raw: Mapping[str, Any], region: str | None = None) -> LeadFields:
    """Check every field; `LeadInvalid` lists each wrong one with its reason."""
    errors: dict[str, str] = {}

    def read(name: str, reader: Callable[[str], Any]) -> Any:
        text = _text(raw, name)
        try:
            return reader(text)
        except InvalidValue as error:
            errors[name] = error.reason
            return None

    values = {name: read(name, partial(_limited, name)) for name in _LIMITS}
    email = read("email", lambda t: normalise_email(t) if t else None)
    phone = read("phone", lambda t: normalise_phone(t, region) if t else None)
    size = read("company_size", _size)
    country = read("country", _country)
    if not email and not errors.get("email") and not values.get("name"):
        errors["email"] = "an email address or a name is needed"
    if errors:
        raise LeadInvalid(errors)
    return LeadFields(email=email, phone=phone, company_size=size, country=country, **values)


def _limited(name: str, text: str) -> str:
    if len(text) > _LIMITS[name]:
        raise InvalidValue(name, text, f"at most {_LIMITS[name]} characters")
    return text


# Built once: every inbound mail asks it (behaviour notes), and building a statement
# costs more than running it.
_OPEN_LEAD_BY_EMAIL = (
    select(Lead)
    .where(Lead.email == bindparam("email"), Lead.status.in_(OPEN_STATUSES))
    .order_by(Lead.id.desc())
    .limit(1)
)


def open_lead_by_email(session: Session, email: str) -> Lead | None:
    return session.scalars(_OPEN_LEAD_BY_EMAIL, {"email": email}).first()


def capture_lead(
    session: Session,
    *,
    name: str,
    email: str | None,
    company: str = "",
    owner_id: int | None = None,
    source: str = "manual",
    campaign_id: int | None = None,
    details: Mapping[str, Any] | None = None,
    context: LeadContext | None = None,
) -> Captured:
    """Create the lead, or update the open lead with this email; re-scored either way.

    `details` may hold title, phone, industry, company_size and country. Raises
    `LeadInvalid` naming every wrong field. A new lead without `owner_id` is assigned by
    the territory rules or round robin among `context.rep_ids`.
    """
    context = context or LeadContext()
    if source not in SOURCES:
        raise LeadInvalid({"source": f"one of {', '.join(SOURCES)}"})
    raw = {**(details or {}), "name": name, "email": email, "company": company}
    fields = read_lead_fields(raw, context.phone_region)
    existing = open_lead_by_email(session, fields.email) if fields.email else None
    if existing is not None:
        return _captured_again(session, existing, fields, (source, campaign_id), context)
    lead = Lead(source=source, campaign_id=campaign_id, status=LeadStatus.NEW, **vars(fields))
    return _captured_new(session, lead, owner_id, context)


def _captured_new(
    session: Session, lead: Lead, owner_id: int | None, context: LeadContext
) -> Captured:
    _link_customer(session, lead)
    session.add(lead)
    captured = Captured(lead, created=True)
    if owner_id is None:
        owner_id, why = choose_owner(session, lead, context.rep_ids)
        captured.notes.append(f"assigned by {why}")
    lead.owner_id = owner_id
    lead.first_contact_due_at = context.first_contact_due()
    session.flush()
    if lead.source == "form":
        add_activity(session, lead, ActivityKind.FORM_SUBMIT, context, subject="web form")
    else:
        rescore(session, lead, context)
    return captured


def _link_customer(session: Session, lead: Lead) -> None:
    """Link the lead to the customer whose known address this is, else to the company
    its address implies."""
    if not lead.email:
        return
    identity = find_identity(session, IdentityKind.EMAIL, lead.email)
    if identity is not None:
        lead.customer_id = identity.customer_id
        lead.organization_id = identity.customer.organization_id
    if lead.organization_id is None:
        organisation = infer_organisation(session, lead.email)
        lead.organization_id = organisation.id if organisation else None


def _captured_again(
    session: Session,
    lead: Lead,
    fields: LeadFields,
    origin: tuple[str, int | None],
    context: LeadContext,
) -> Captured:
    source, campaign_id = origin
    for name, value in vars(fields).items():
        if value and not getattr(lead, name):
            setattr(lead, name, value)
    if campaign_id is not None and lead.campaign_id is None:
        lead.campaign_id = campaign_id
    kind = ActivityKind.FORM_SUBMIT if source == "form" else ActivityKind.NOTE
    add_activity(session, lead, kind, context, subject=f"submitted again via {source}")
    return Captured(lead, created=False)


def record_campaign_response(
    session: Session,
    campaign_id: int,
    *,
    lead_id: int | None = None,
    email: str | None = None,
    context: LeadContext | None = None,
) -> Lead:
    """A click or reply to a campaign: logged on the lead (made from `email` when new)."""
    context = context or LeadContext()
    lead = session.get(Lead, lead_id) if lead_id is not None else None
    if lead is None and email:
        lead = open_lead_by_email(session, read_lead_fields({"email": email}).email or "")
    if lead is None and email:
        captured = capture_lead(
            session,
            name="",
            email=email,
            source="campaign",
            campaign_id=campaign_id,
            context=context,
        )
        lead = captured.lead
    if lead is None:
        raise LeadInvalid({"lead": "no such lead, and no email to make one from"})
    if lead.campaign_id is None:
        lead.campaign_id = campaign_id
    add_activity(
        session, lead, ActivityKind.CAMPAIGN_CLICK, context, subject=f"campaign #{campaign_id}"
    )
    return lead
