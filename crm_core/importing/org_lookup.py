"""The organisations a batch of customer rows names or implies, looked up in two queries.

Row by row, each customer cost a query for its organisation's name, one or two for its
email's domain and a flush for each organisation or domain created: most of an import's
time (profiled at 5 000 rows: 85% of the run). `prepare_organisations` reads every name
and domain of the batch at once; `organisation_for_row` then answers from the batch's
maps, adds new organisations and domains without flushing (the batch's one flush writes
them) and records what it added so later rows of the batch see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.customers import Organization
from crm_core.importing.kinds import RunContext
from crm_core.normalise import clean_text, email_domain, fold
from crm_core.organisations import OrganizationDomain, is_freemail

_KEY = "organisation_lookup"


@dataclass
class OrganisationLookup:
    """The batch's organisations by folded name and by domain; None: looked up, none."""

    by_name: dict[str, Organization | None] = field(default_factory=dict)
    by_domain: dict[str, Organization | None] = field(default_factory=dict)

    def look_up(self, session: Session, keys: set[str], domains: set[str]) -> None:
        """Query the names and domains not looked up yet."""
        keys, domains = keys - self.by_name.keys(), domains - self.by_domain.keys()
        if keys:
            self.by_name.update(dict.fromkeys(keys))
            query = select(Organization).where(Organization.name_key.in_(keys))
            for organisation in session.scalars(query.order_by(Organization.id.desc())):
                self.by_name[organisation.name_key] = organisation  # the oldest wins
        if domains:
            self.by_domain.update(dict.fromkeys(domains))
            claimed = (
                select(OrganizationDomain.domain, Organization)
                .join(Organization, OrganizationDomain.organization_id == Organization.id)
                .where(OrganizationDomain.domain.in_(domains))
            )
            for domain, organisation in session.execute(claimed):
                self.by_domain[domain] = organisation


def company_domain(email: str | None) -> str | None:
    """The domain of a company address; None for free-mail or no address."""
    if not email or "@" not in email:
        return None
    domain = email_domain(email)
    return None if is_freemail(domain) else domain


def name_key(name: str) -> str:
    return fold(clean_text(name))


def prepare_organisations(
    session: Session, names: set[str], emails: set[str], context: RunContext
) -> None:
    """Look up the batch's organisation names and company email domains in two queries."""
    lookup = OrganisationLookup()
    keys = {key for key in map(name_key, names) if key}
    lookup.look_up(session, keys, {d for d in map(company_domain, emails) if d})
    context.cache[_KEY] = lookup


def organisation_for_row(
    session: Session, name: str, email: str | None, context: RunContext
) -> Organization | None:
    """The organisation a customer row names (created when new), else the one its
    company email domain implies; a named organisation without a domain learns it."""
    lookup: OrganisationLookup = context.cache.setdefault(_KEY, OrganisationLookup())
    key, domain = name_key(name), company_domain(email)
    with session.no_autoflush:
        lookup.look_up(session, {key} if key else set(), {domain} if domain else set())
    if not key:
        return lookup.by_domain[domain] if domain else None
    organisation = lookup.by_name[key]
    if organisation is None:
        organisation = Organization(name=clean_text(name), name_key=key)
        session.add(organisation)
        lookup.by_name[key] = organisation
        context.counts["organisations_created"] += 1
    if domain is not None and organisation.domain is None and lookup.by_domain[domain] is None:
        session.add(OrganizationDomain(organization=organisation, domain=domain))
        organisation.domain = domain
        lookup.by_domain[domain] = organisation
    return organisation
