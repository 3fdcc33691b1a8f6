"""A stopgap to create the knowledge tables until the Alembic migration covers them."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.engine import Engine

from crm_core.db import Base
from knowledge.models import KNOWLEDGE_TABLES


def ensure_schema(engine: Engine) -> None:
    """Create the knowledge tables that do not exist yet (never alters or drops).

    Temporary: `servicedesk db upgrade` (Alembic) will own the schema; then remove this.
    """
    Base.metadata.create_all(engine, tables=cast(list[Table], KNOWLEDGE_TABLES), checkfirst=True)
