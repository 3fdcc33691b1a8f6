"""Changing and deleting custom field definitions, without stranding stored values.

A field's key, record type and kind never change: stored values are in the kind's
canonical form and other systems read them by key. Its sensitivity does not change
either, since that would mean re-encrypting or decrypting every stored value. Labels,
choices, "required" and the order may change; a choice that records still hold cannot be
removed, and deleting a field deletes its values, so the page asks first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.customers.field_models import CustomFieldDefinition, CustomFieldValue, FieldKind
from crm_core.normalise import InvalidValue, clean_text


@dataclass(frozen=True)
class FieldEdit:
    """What an admin may change of a defined field."""

    label: str
    choices: tuple[str, ...] = ()
    required: bool = False


class FieldNotFound(LookupError):
    pass


def get_field(session: Session, field_id: int) -> CustomFieldDefinition:
    definition = session.get(CustomFieldDefinition, field_id)
    if definition is None:
        raise FieldNotFound(field_id)
    return definition


def values_held(session: Session, definition: CustomFieldDefinition) -> int:
    """How many records hold a value of this field."""
    query = select(func.count(CustomFieldValue.id)).where(
        CustomFieldValue.definition_id == definition.id, CustomFieldValue.value.is_not(None)
    )
    return session.scalar(query) or 0


def update_field(session: Session, field_id: int, edit: FieldEdit) -> CustomFieldDefinition:
    """Relabel a field, change its choices or whether it is required; errors name the field."""
    definition = get_field(session, field_id)
    label = clean_text(edit.label)[:120]
    if not label:
        raise InvalidValue("label", edit.label, "missing required field")
    if definition.kind is FieldKind.CHOICE:
        choices = list(dict.fromkeys(c for c in map(clean_text, edit.choices) if c))
        if not choices:
            raise InvalidValue("choices", "", "a choice field needs at least one choice")
        _refuse_removing_held_choices(session, definition, set(choices))
        definition.choices = "\n".join(choices)
    definition.label = label
    definition.required = edit.required
    session.flush()
    return definition


def _refuse_removing_held_choices(
    session: Session, definition: CustomFieldDefinition, kept: set[str]
) -> None:
    removed = set(definition.choice_list) - kept
    if not removed:
        return
    # Choice values are never sensitive in practice, but an encrypted column cannot be
    # compared in SQL: read them through the ORM, which decrypts.
    held = session.scalars(
        select(CustomFieldValue).where(CustomFieldValue.definition_id == definition.id)
    )
    in_use = sorted({row.value for row in held if row.value in removed})
    if in_use:
        raise InvalidValue(
            "choices", ", ".join(in_use), "records still hold this choice; change them first"
        )


def move_field(session: Session, field_id: int, offset: int) -> None:
    """Move a field up (-1) or down (+1) among its record type's fields."""
    definition = get_field(session, field_id)
    siblings = list(
        session.scalars(
            select(CustomFieldDefinition)
            .where(CustomFieldDefinition.entity == definition.entity)
            .order_by(CustomFieldDefinition.position, CustomFieldDefinition.id)
        )
    )
    index = siblings.index(definition)
    target = min(max(index + offset, 0), len(siblings) - 1)
    siblings.insert(target, siblings.pop(index))
    for position, sibling in enumerate(siblings):
        sibling.position = position
    session.flush()


def delete_field(session: Session, field_id: int) -> int:
    """Delete a field and every value of it; returns how many values went with it."""
    definition = get_field(session, field_id)
    held = session.scalars(
        select(CustomFieldValue).where(CustomFieldValue.definition_id == definition.id)
    ).all()
    for value in held:
        session.delete(value)
    session.delete(definition)
    session.flush()
    return len(held)
