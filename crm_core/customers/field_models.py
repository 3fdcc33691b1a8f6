"""Custom fields that admins define, and their values per customer or organisation."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.crypto.fields import register_encrypted
from crm_core.db import Base, utcnow


class FieldKind(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"


class FieldEntity(enum.StrEnum):
    """What a custom field belongs to."""

    CUSTOMER = "customer"
    ORGANISATION = "organisation"


class CustomFieldDefinition(Base):
    """One admin-defined field: its key, label, kind, choices and flags."""

    __tablename__ = "custom_field_definitions"
    __table_args__ = (UniqueConstraint("entity", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[FieldEntity] = mapped_column(Enum(FieldEntity, native_enum=False, length=20))
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[FieldKind] = mapped_column(Enum(FieldKind, native_enum=False, length=20))
    # Choice fields: the allowed values, one a line.
    choices: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sensitive values are encrypted in the database (crm_core.crypto).
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def choice_list(self) -> list[str]:
        return [line for line in self.choices.splitlines() if line.strip()]


@register_encrypted
class CustomFieldValue(Base):
    """The value of one field for one customer or organisation, as text (dates in ISO
    form, numbers as written by `str(Decimal)`); encrypted when the field is sensitive."""

    __tablename__ = "custom_field_values"
    __table_args__ = (
        UniqueConstraint("definition_id", "customer_id"),
        UniqueConstraint("definition_id", "organization_id"),
    )
    __encrypted__: ClassVar[dict[str, str | None]] = {"value": None}
    __encrypted_when__: ClassVar[str] = "encrypted"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("custom_field_definitions.id", ondelete="CASCADE")
    )
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str | None] = mapped_column(Text)
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)

    definition: Mapped[CustomFieldDefinition] = relationship()
