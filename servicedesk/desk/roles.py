"""Agent roles, apart from the tables so the CLI can list them without loading SQLAlchemy."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    SALES = "sales"
    MARKETING = "marketing"
    REVIEWER = "reviewer"
    READ_ONLY = "read-only"  # looks at the CRM, changes nothing
