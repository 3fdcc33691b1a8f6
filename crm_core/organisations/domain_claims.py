"""Which email domains an organisation may have claimed: read once per transaction while
they are few, so that intake's new customers at unclaimed domains cost no lookup (see
`crm_core.transaction_sets`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.organisations.models import OrganizationDomain
from crm_core.transaction_sets import values_once

# Above this many claimed domains the set costs more to read than the lookups it saves.
MOST_DOMAINS = 5000

_CLAIMED = select(OrganizationDomain.domain).limit(MOST_DOMAINS + 1)


def may_be_claimed(session: Session, domain: str) -> bool:
    """False only when no organisation claimed `domain` (as `find_organisation_by_domain`)."""
    known = values_once(session, "claimed_domains", _CLAIMED, OrganizationDomain, MOST_DOMAINS)
    return known is None or domain in known
