"""Organisation rows, and the organisation a customer row names or implies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from crm_core.customers import Organization
from crm_core.importing.kinds import (
    ImportKind,
    Outcome,
    Problem,
    Problems,
    Row,
    RowSettings,
    RunContext,
    text_of,
)
from crm_core.importing.org_lookup import organisation_for_row
from crm_core.normalise import clean_address
from crm_core.normalise.domain import normalise_domain
from crm_core.organisations import (
    Tier,
    add_domain,
    create_organisation,
    find_organisation_by_domain,
    find_organisation_by_name,
    parse_tier,
)

ORGANISATION_ALIASES = {
    "name": ["company", "company name", "organisation", "organization", "account",
             "account name", "firma", "firmenname", "unternehmen", "société", "entreprise",
             "nom de l'entreprise", "empresa", "nombre de la empresa", "公司", "公司名称",
             "名称", "企业名称", "单位"],
    "domain": ["domains", "website", "web", "url", "homepage", "site", "site web",
               "webseite", "sitio web", "网站", "域名"],
    "address": ["street address", "postal address", "adresse", "anschrift", "dirección",
                "地址"],
    "tier": ["level", "service tier", "stufe", "niveau", "nivel", "等级", "级别"],
}  # fmt: skip

_DOMAIN_SEPARATORS = re.compile(r"[\s,;|]+")


@dataclass(frozen=True)
class OrganisationRecord:
    name: str
    domains: tuple[str, ...]
    address: str | None
    tier: Tier | None


def validate_organisation(row: Row, settings: RowSettings) -> OrganisationRecord | list[Problem]:
    """The row as an `OrganisationRecord`, or every problem found in it."""
    problems = Problems()
    name = text_of(row.get("name"))
    if not name:
        problems.missing("name")
    written = [d for d in _DOMAIN_SEPARATORS.split(text_of(row.get("domain"))) if d]
    domains = tuple(problems.read(partial(normalise_domain, d)) for d in written)
    tier_text = text_of(row.get("tier"))
    tier = problems.read(lambda: parse_tier(tier_text)) if tier_text else None
    if problems.found:
        return problems.found
    address = clean_address(text_of(row.get("address"))) or None
    return OrganisationRecord(name, tuple(dict.fromkeys(domains)), address, tier)


def apply_organisation(
    session: Session, record: OrganisationRecord, context: RunContext
) -> Outcome:
    """Create the organisation, or fill the blanks of the one with this name or a domain."""
    organisation = find_organisation_by_name(session, record.name) or next(
        filter(None, (find_organisation_by_domain(session, d) for d in record.domains)), None
    )
    if organisation is None:
        create_organisation(
            session,
            record.name,
            domains=record.domains,
            address=record.address,
            tier=record.tier or Tier.STANDARD,
        )
        return Outcome.CREATED
    changed = False
    for domain in record.domains:  # every one, so no short-circuit
        changed = add_domain(session, organisation, domain) or changed
    if record.address and not organisation.address:
        organisation.address, changed = record.address, True
    if record.tier and organisation.tier == Tier.STANDARD and record.tier != Tier.STANDARD:
        organisation.tier, changed = record.tier, True
    return Outcome.UPDATED if changed else Outcome.UNCHANGED


def organisation_for_customer(
    session: Session, name: str, email: str | None, context: RunContext
) -> Organization | None:
    """The organisation a customer row names (created when new), else the one its
    company email domain implies; a named organisation learns that domain. Batches
    look every name and domain up at once first (`org_lookup.prepare_organisations`)."""
    return organisation_for_row(session, name, email, context)


ORGANISATIONS = ImportKind(
    name="organisations",
    aliases=ORGANISATION_ALIASES,
    required_columns=(("name",),),
    validate=validate_organisation,
    apply=apply_organisation,
)
