"""The domains an organisation's people write from.

`Organization` itself still lives in crm_core.customers (it moves here with the
package-per-concept split); this module adds what belongs to organisations alone.
"""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.customers import Organization
from crm_core.db import Base


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
