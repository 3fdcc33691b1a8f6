"""The domains an organisation's people write from.

`Organization` itself still lives in crm_core.customers (it moves here with the
package-per-concept split); this module adds what belongs to organisations alone.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.customers import Organization
from crm_core.db import Base
from crm_core.normalise import fold


class Tier(enum.StrEnum):
    """Service tiers; routing rules match on them (`customer.tier`)."""

    STANDARD = "standard"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


class OrganizationDomain(Base):
    """One email domain of an organisation; a domain belongs to one organisation at most."""

    __tablename__ = "organization_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    organization: Mapped[Organization] = relationship()


@event.listens_for(Organization, "before_insert")
@event.listens_for(Organization, "before_update")
def _keep_name_key(_mapper: Any, _connection: Any, organisation: Organization) -> None:
    # In Python, not SQL: SQLite's lower() folds ASCII letters only, so "ÉCOLE" and
    # "école" would be two organisations there and one on PostgreSQL.
    organisation.name_key = fold(organisation.name)
