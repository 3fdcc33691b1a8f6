"""Every change of a customer's lifecycle stage: campaigns and reports read them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.customers.models import LifecycleStage
from crm_core.db import Base, string_enum, utcnow


class StageChange(Base):
    """The customer moved from one stage to another, and why."""

    __tablename__ = "customer_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    from_stage: Mapped[LifecycleStage | None] = mapped_column(string_enum(LifecycleStage))
    to_stage: Mapped[LifecycleStage] = mapped_column(string_enum(LifecycleStage), index=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
