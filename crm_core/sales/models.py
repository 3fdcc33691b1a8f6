"""The sales tables: leads and their activities, scoring rules, pipelines and opportunities.

Owners are agent ids (reps) without a foreign key: agents live above crm_core.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.db import Base, string_enum, utcnow
from crm_core.money import Money


class LeadStatus(enum.StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"


class Lead(Base):
    """Someone who may buy: captured by a form, Slack, an import or a campaign response."""

    __tablename__ = "sales_leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    company: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    industry: Mapped[str] = mapped_column(String(100), default="")
    company_size: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    # Where it came from: form, slack, import, campaign, manual; and which campaign.
    source: Mapped[str] = mapped_column(String(40), default="manual", index=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The id of the row in the file or system it was imported from: imports are idempotent.
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[LeadStatus] = mapped_column(string_enum(LeadStatus), default=LeadStatus.NEW)
    disqualify_reason: Mapped[str | None] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # A lead whose email matches a customer is linked to it, never duplicated.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    score: Mapped[int] = mapped_column(Integer, default=0)
    score_breakdown: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    # Learned once enough leads have closed; None until then.
    conversion_probability: Mapped[float | None] = mapped_column(Float)
    first_contact_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    converted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opportunity_id: Mapped[int | None] = mapped_column(Integer)  # set on conversion
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=func.now()
    )

    activities: Mapped[list[Activity]] = relationship(back_populates="lead", order_by="Activity.at")


class ActivityKind(enum.StrEnum):
    """What a rep did, or what the lead did that scoring counts as behaviour."""

    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    FORM_SUBMIT = "form_submit"
    CAMPAIGN_CLICK = "campaign_click"
    PORTAL_VISIT = "portal_visit"
    REPLY = "reply"


class Activity(Base):
    """One thing done with a lead, an opportunity or a customer, by a rep or by them."""

    __tablename__ = "sales_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActivityKind] = mapped_column(string_enum(ActivityKind), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("sales_leads.id"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_opportunities.id"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)  # None: the lead did it
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    lead: Mapped[Lead | None] = relationship(back_populates="activities")


class ScoringRule(Base):
    """Points for a fit (title, size, industry, email domain type) or a behaviour (an event).

    Behaviour points decay: an event `half_life_days` old counts half.
    """

    __tablename__ = "sales_scoring_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # "fit" or "behaviour"
    field: Mapped[str] = mapped_column(String(60))  # lead field, or an ActivityKind
    operator: Mapped[str] = mapped_column(String(20), default="equals")
    value: Mapped[str] = mapped_column(String(200), default="")
    points: Mapped[int] = mapped_column(Integer)
    half_life_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Pipeline(Base):
    """A sequence of stages that deals move through."""

    __tablename__ = "sales_pipelines"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    stages: Mapped[list[PipelineStage]] = relationship(
        back_populates="pipeline", order_by="PipelineStage.position"
    )


class StageOutcome(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class PipelineStage(Base):
    """One column of the board, with the default probability of winning from it."""

    __tablename__ = "sales_pipeline_stages"
    __table_args__ = (UniqueConstraint("pipeline_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("sales_pipelines.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[float] = mapped_column(Float, default=0.0)  # 0.0 to 1.0
    outcome: Mapped[StageOutcome] = mapped_column(
        string_enum(StageOutcome), default=StageOutcome.OPEN
    )

    pipeline: Mapped[Pipeline] = relationship(back_populates="stages")


class ForecastCategory(enum.StrEnum):
    """The rep's call on a deal: commit counts in every forecast, best case only in its own."""

    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    OMITTED = "omitted"


class Opportunity(Base):
    """A deal: an amount we may win from a customer or organisation by a date."""

    __tablename__ = "sales_opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("sales_pipelines.id"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("sales_pipeline_stages.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("sales_leads.id"))
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # The stage's probability unless the rep overrode it for this deal.
    probability: Mapped[float | None] = mapped_column(Float)
    expected_close: Mapped[date | None] = mapped_column(Date, index=True)
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    next_step: Mapped[str] = mapped_column(String(300), default="")
    forecast_category: Mapped[ForecastCategory] = mapped_column(
        string_enum(ForecastCategory), default=ForecastCategory.PIPELINE
    )
    outcome: Mapped[StageOutcome] = mapped_column(
        string_enum(StageOutcome), default=StageOutcome.OPEN, index=True
    )
    close_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stage_entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=func.now()
    )

    stage: Mapped[PipelineStage] = relationship()
    products: Mapped[list[OpportunityProduct]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan"
    )
    history: Mapped[list[OpportunityStageChange]] = relationship(
        back_populates="opportunity", order_by="OpportunityStageChange.at"
    )


class OpportunityProduct(Base):
    """A product line on a deal."""

    __tablename__ = "sales_opportunity_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("sales_opportunities.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = mapped_column(Money)

    opportunity: Mapped[Opportunity] = relationship(back_populates="products")


class OpportunityStageChange(Base):
    """A move between stages; time in stage is the gap to the next move."""

    __tablename__ = "sales_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("sales_opportunities.id"), index=True)
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("sales_pipeline_stages.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("sales_pipeline_stages.id"))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    opportunity: Mapped[Opportunity] = relationship(back_populates="history")
