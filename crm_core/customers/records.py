"""What a customer or organisation record carries beyond its name: structured addresses
and tags (both for customers and organisations).

Address lines are encrypted (crm_core.crypto); city, region, postcode and country stay
plain so reports can group by them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Column, DateTime, Enum, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.crypto.fields import register_encrypted
from crm_core.db import Base, utcnow


class AddressKind(enum.StrEnum):
    BILLING = "billing"
    SHIPPING = "shipping"
    OTHER = "other"


@register_encrypted
class Address(Base):
    """A postal address of a customer or of an organisation (exactly one of the two)."""

    __tablename__ = "addresses"
    __encrypted__: ClassVar[dict[str, str | None]] = {"line1": None, "line2": None}

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AddressKind] = mapped_column(
        Enum(AddressKind, native_enum=False, length=20), default=AddressKind.OTHER
    )
    line1: Mapped[str | None] = mapped_column(Text)
    line2: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Tag(Base):
    """A label customers and organisations carry ("vip", "beta", "reseller")."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    # fold(name): "Beta" and "beta " are one tag.
    name_key: Mapped[str] = mapped_column(String(60), unique=True)


customer_tags = Table(
    "customer_tags",
    Base.metadata,
    Column(
        "customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The list's tag filter reads by tag.
    Index("ix_customer_tags_tag_id_customer_id", "tag_id", "customer_id"),
)
organization_tags = Table(
    "organization_tags",
    Base.metadata,
    Column(
        "organization_id",
        Integer,
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)
