"""Organisations: create, find by name or domain, infer one from a person's email."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from crm_core.customers import Organization
from crm_core.normalise import InvalidValue, clean_address, clean_text, email_domain, fold
from crm_core.normalise.domain import normalise_domain
from crm_core.organisations.freemail import is_freemail
from crm_core.organisations.models import OrganizationDomain, Tier


def parse_tier(value: str | None, field: str = "tier") -> Tier:
    """A tier by name, case-insensitively; empty means standard."""
    text = clean_text(value).lower()
    if not text:
        return Tier.STANDARD
    try:
        return Tier(text)
    except ValueError:
        choices = ", ".join(t.value for t in Tier)
        raise InvalidValue(field, value, f"unknown choice (one of {choices})") from None


def create_organisation(
    session: Session,
    name: str,
    *,
    domains: Iterable[str] = (),
    address: str | None = None,
    tier: Tier = Tier.STANDARD,
    owner_id: int | None = None,
) -> Organization:
    """A new organisation with its name and address standardised and its domains claimed."""
    clean_name = clean_text(name)
    if not clean_name:
        raise InvalidValue("name", name, "missing required field")
    organisation = Organization(
        name=clean_name, address=clean_address(address) or None, tier=tier, owner_id=owner_id
    )
    session.add(organisation)
    session.flush()
    for domain in domains:
        add_domain(session, organisation, domain)
    return organisation


def add_domain(session: Session, organisation: Organization, domain: str) -> bool:
    """Claim `domain` for `organisation`; False when it already had it.

    Free-mail domains and domains of another organisation are refused: either would
    put strangers into this organisation.
    """
    key = normalise_domain(domain)
    if is_freemail(key):
        raise InvalidValue("domain", domain, "a free-mail domain cannot identify an organisation")
    owner = find_organisation_by_domain(session, key)
    if owner is not None:
        if owner.id == organisation.id:
            return False
        raise InvalidValue("domain", domain, f"already the domain of {owner.name!r}")
    session.add(OrganizationDomain(organization_id=organisation.id, domain=key))
    if organisation.domain is None:
        organisation.domain = key  # the first domain is the one shown
    session.flush()
    return True


def domains_of(session: Session, organisation: Organization) -> list[str]:
    """Every domain of `organisation`, in the order claimed."""
    query = select(OrganizationDomain.domain).where(
        OrganizationDomain.organization_id == organisation.id
    )
    return list(session.scalars(query.order_by(OrganizationDomain.id)))


# Built once: intake asks it for every new customer at a company domain.
_BY_DOMAIN = (
    select(Organization)
    .join(OrganizationDomain, OrganizationDomain.organization_id == Organization.id)
    .where(OrganizationDomain.domain == bindparam("domain"))
)


def find_organisation_by_domain(session: Session, domain: str) -> Organization | None:
    """The organisation that claimed `domain` (already normalised), if any."""
    return session.scalars(_BY_DOMAIN, {"domain": domain}).one_or_none()


def find_organisation_by_name(session: Session, name: str) -> Organization | None:
    """The organisation called `name`, ignoring case, accents and spacing."""
    query = select(Organization).where(Organization.name_key == fold(name))
    return session.scalars(query.order_by(Organization.id).limit(1)).first()


def infer_organisation(session: Session, email: str) -> Organization | None:
    """The organisation behind a company address (`jane@acme.com` → Acme).

    Never from a free-mail domain: gmail.com says nothing about where someone works.
    """
    domain = email_domain(email)
    if is_freemail(domain):
        return None
    return find_organisation_by_domain(session, domain)


def learn_domain(session: Session, organisation: Organization, email: str) -> bool:
    """Claim the domain of a company address for an organisation that has none yet.

    A row such as (jane@acme.com, company Acme) teaches us acme.com; later rows with only
    an @acme.com address then land in Acme. An organisation that already has a domain
    keeps its list: a consultant writing from their own firm must not add theirs.
    """
    domain = email_domain(email)
    if organisation.domain is not None or is_freemail(domain):
        return False
    if find_organisation_by_domain(session, domain) is not None:
        return False
    return add_domain(session, organisation, domain)
