"""Organisations: the companies customers belong to, their domains and tiers.

Free-mail domains (freemail_domains.txt) never identify an organisation.
"""

from crm_core.organisations.completion import complete_customer, infer_customer_organisation
from crm_core.organisations.freemail import is_freemail
from crm_core.organisations.models import OrganizationDomain, Tier
from crm_core.organisations.operations import (
    add_domain,
    create_organisation,
    domains_of,
    find_organisation_by_domain,
    find_organisation_by_name,
    infer_organisation,
    learn_domain,
    parse_tier,
)

__all__ = [
    "OrganizationDomain",
    "Tier",
    "add_domain",
    "complete_customer",
    "create_organisation",
    "domains_of",
    "find_organisation_by_domain",
    "find_organisation_by_name",
    "infer_customer_organisation",
    "infer_organisation",
    "is_freemail",
    "learn_domain",
    "parse_tier",
]
