"""Lead rows: recognised headers, validation and the idempotent write.

A row is the lead with its external id when it has one, else the open lead with its
email; a match fills the lead's blanks and never overwrites what is there. New leads
are captured with source "import" and assigned like any other (territory or turn).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.importing.customer_rows import CUSTOMER_ALIASES
from crm_core.importing.kinds import (
    ImportKind,
    Outcome,
    Problem,
    Row,
    RowSettings,
    RunContext,
    text_of,
)
from crm_core.sales.capture import (
    LeadFields,
    LeadInvalid,
    capture_lead,
    open_lead_by_email,
    read_lead_fields,
)
from crm_core.sales.lead_events import LeadContext
from crm_core.sales.models import Lead

LEAD_ALIASES = {
    "external_id": ["id", "lead id", "external id", "crm id", "record id", "ref", "reference"],
    "name": CUSTOMER_ALIASES["name"] + ["lead", "lead name"],
    "first_name": CUSTOMER_ALIASES["first_name"],
    "last_name": CUSTOMER_ALIASES["last_name"],
    "email": CUSTOMER_ALIASES["email"],
    "phone": CUSTOMER_ALIASES["phone"],
    "company": [
        "company name",
        "organisation",
        "organization",
        "account",
        "account name",
        "employer",
        "firma",
        "unternehmen",
        "société",
        "entreprise",
        "empresa",
        "公司",
        "公司名称",
        "单位",
    ],
    "title": ["job title", "position", "role", "jobtitle", "funktion", "poste", "cargo", "职位"],
    "industry": ["sector", "branche", "secteur", "industria", "sector industrial", "行业"],
    "company_size": [
        "employees",
        "size",
        "headcount",
        "number of employees",
        "mitarbeiter",
        "effectif",
        "empleados",
        "员工人数",
        "规模",
    ],
    "country": ["country code", "land", "pays", "país", "国家"],
    "campaign_id": ["campaign", "campaign id"],
}


@dataclass(frozen=True)
class LeadRecord:
    fields: LeadFields
    external_id: str | None
    campaign_id: int | None


def validate_lead(row: Row, settings: RowSettings) -> LeadRecord | list[Problem]:
    """The row as a `LeadRecord`, or every problem found in it."""
    raw: dict[str, Any] = {name: row.get(name) for name in LEAD_ALIASES}
    if not text_of(row.get("name")):
        parts = (text_of(row.get("first_name")), text_of(row.get("last_name")))
        raw["name"] = " ".join(p for p in parts if p)
    problems: list[Problem] = []
    campaign_text = text_of(row.get("campaign_id"))
    if campaign_text and not campaign_text.isdigit():
        problems.append(Problem("campaign_id", "not a campaign number", campaign_text))
    try:
        fields = read_lead_fields(raw, settings.region)
    except LeadInvalid as invalid:
        problems += [
            Problem(f, reason, text_of(raw.get(f))) for f, reason in invalid.errors.items()
        ]
    if problems:
        return problems
    external_id = text_of(row.get("external_id")) or None
    return LeadRecord(fields, external_id, int(campaign_text) if campaign_text else None)


def lead_kind(context: LeadContext) -> ImportKind:
    """The leads import kind, assigning new leads among `context.rep_ids`."""

    def apply(session: Session, record: LeadRecord, run: RunContext) -> Outcome:
        return apply_lead(session, record, context)

    return ImportKind(
        name="leads",
        aliases=LEAD_ALIASES,
        required_columns=(("email", "external_id"),),
        validate=validate_lead,
        apply=apply,
    )


def apply_lead(session: Session, record: LeadRecord, context: LeadContext) -> Outcome:
    """Create the lead, or fill the blanks of the one with this external id or email."""
    lead = None
    if record.external_id:
        query = select(Lead).where(Lead.external_id == record.external_id)
        lead = session.scalars(query).one_or_none()
    if lead is None and record.fields.email:
        lead = open_lead_by_email(session, record.fields.email)
        if lead is not None and lead.external_id and record.external_id:
            lead = None  # the same person under another id of the source system: a new lead
    if lead is None:
        captured = capture_lead(
            session,
            name=record.fields.name,
            email=record.fields.email,
            company=record.fields.company,
            source="import",
            campaign_id=record.campaign_id,
            details=vars(replace(record.fields, name="", email=None, company="")),
            context=context,
        )
        captured.lead.external_id = record.external_id
        return Outcome.CREATED
    changed = False
    for name, value in [
        *vars(record.fields).items(),
        ("external_id", record.external_id),
        ("campaign_id", record.campaign_id),
    ]:
        if value and not getattr(lead, name):
            setattr(lead, name, value)
            changed = True
    return Outcome.UPDATED if changed else Outcome.UNCHANGED


LEADS = lead_kind(LeadContext())
