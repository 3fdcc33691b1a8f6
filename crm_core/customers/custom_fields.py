"""Custom fields: admins define them (text, number, date, choice; required; sensitive),
and every write of a value is validated against its definition.

Values are stored as text in one canonical form per kind: numbers as `str(Decimal)`,
dates in ISO form (read with crm_core.normalise.dates), choices exactly as defined.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.customers.field_models import (
    CustomFieldDefinition,
    CustomFieldValue,
    FieldEntity,
    FieldKind,
)
from crm_core.customers.models import Customer, Organization
from crm_core.normalise import DateOrder, InvalidValue, clean_text, fold, parse_date

_KEY = re.compile(r"[a-z][a-z0-9_]{0,59}")
MAX_TEXT = 2000


class FieldErrors(ValueError):
    """Every invalid value of one write, each naming its field."""

    def __init__(self, errors: list[InvalidValue]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass(frozen=True)
class FieldSpec:
    """A field definition as an admin submits it."""

    entity: str
    label: str
    kind: str
    key: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    sensitive: bool = False


def define_field(session: Session, spec: FieldSpec) -> CustomFieldDefinition:
    """A new custom field; its key is derived from the label unless given."""
    label = clean_text(spec.label)[:120]
    if not label:
        raise InvalidValue("label", spec.label, "missing required field")
    entity = _choice(FieldEntity, spec.entity, "entity")
    kind = _choice(FieldKind, spec.kind, "kind")
    key = clean_text(spec.key).lower() or re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")
    if not _KEY.fullmatch(key):
        raise InvalidValue("key", spec.key or label, "use lower-case letters, digits and _")
    taken = select(CustomFieldDefinition.id).where(
        CustomFieldDefinition.entity == entity, CustomFieldDefinition.key == key
    )
    if session.scalars(taken).first() is not None:
        raise InvalidValue("key", key, "already a field of this record type")
    choices = list(dict.fromkeys(c for c in (clean_text(c) for c in spec.choices) if c))
    if kind is FieldKind.CHOICE and not choices:
        raise InvalidValue("choices", "", "a choice field needs at least one choice")
    definition = CustomFieldDefinition(
        entity=entity,
        key=key,
        label=label,
        kind=kind,
        choices="\n".join(choices) if kind is FieldKind.CHOICE else "",
        required=spec.required,
        sensitive=spec.sensitive,
        position=len(definitions(session, entity)),
    )
    session.add(definition)
    session.flush()
    return definition


_E = TypeVar("_E", FieldEntity, FieldKind)


def _choice(enum: type[_E], value: str, field: str) -> _E:
    try:
        return enum(clean_text(value).lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidValue(field, value, f"unknown choice (one of {allowed})") from None


def definitions(session: Session, entity: FieldEntity) -> list[CustomFieldDefinition]:
    query = select(CustomFieldDefinition).where(CustomFieldDefinition.entity == entity)
    return list(session.scalars(query.order_by(CustomFieldDefinition.position)))


def clean_value(
    definition: CustomFieldDefinition, raw: object, order: DateOrder | None = None
) -> str | None:
    """The canonical text of `raw` for this field, None for empty, or `InvalidValue`."""
    field = definition.key
    text = clean_text(raw if isinstance(raw, str) else None if raw is None else str(raw))
    if not text:
        if definition.required:
            raise InvalidValue(field, raw, "missing required field")
        return None
    if definition.kind is FieldKind.NUMBER:
        try:
            number = Decimal(text.replace(",", "") if text.count(",") and "." in text else text)
        except InvalidOperation:
            raise InvalidValue(field, raw, "not a number") from None
        if not number.is_finite():
            raise InvalidValue(field, raw, "not a number")
        return str(number)
    if definition.kind is FieldKind.DATE:
        return parse_date(raw, field, order).isoformat()
    if definition.kind is FieldKind.CHOICE:
        by_key = {fold(choice): choice for choice in definition.choice_list}
        if fold(text) not in by_key:
            allowed = ", ".join(definition.choice_list)
            raise InvalidValue(field, raw, f"unknown choice (one of {allowed})")
        return by_key[fold(text)]
    if len(text) > MAX_TEXT:
        raise InvalidValue(field, raw, f"longer than {MAX_TEXT} characters")
    return text


def set_custom_values(
    session: Session,
    record: Customer | Organization,
    values: Mapping[str, object],
    order: DateOrder | None = None,
) -> dict[str, str | None]:
    """Validate every value given (by field key) and store them together, or store none
    and raise `FieldErrors`. Required fields that are missing on the record are errors
    too, whether or not they were given."""
    entity = FieldEntity.CUSTOMER if isinstance(record, Customer) else FieldEntity.ORGANISATION
    fields = {d.key: d for d in definitions(session, entity)}
    errors = [InvalidValue(k, v, "no such field") for k, v in values.items() if k not in fields]
    stored = custom_values(session, record)
    cleaned: dict[str, str | None] = {}
    for key, definition in fields.items():
        if key not in values and (not definition.required or stored.get(key)):
            continue
        try:
            cleaned[key] = clean_value(definition, values.get(key), order)
        except InvalidValue as error:
            errors.append(error)
    if errors:
        raise FieldErrors(errors)
    rows = _value_rows(session, record)
    for key, value in cleaned.items():
        row = rows.get(key)
        if row is None:
            row = CustomFieldValue(definition=fields[key], **_owner(record))
            session.add(row)
        row.encrypted = fields[key].sensitive
        row.value = value
    session.flush()
    return cleaned


def _owner(record: Customer | Organization) -> dict[str, int]:
    if isinstance(record, Customer):
        return {"customer_id": record.id}
    return {"organization_id": record.id}


def _value_rows(session: Session, record: Customer | Organization) -> dict[str, CustomFieldValue]:
    column = (
        CustomFieldValue.customer_id
        if isinstance(record, Customer)
        else CustomFieldValue.organization_id
    )
    query = (
        select(CustomFieldValue, CustomFieldDefinition.key)
        .join(CustomFieldDefinition, CustomFieldValue.definition_id == CustomFieldDefinition.id)
        .where(column == record.id)
    )
    return {key: row for row, key in session.execute(query)}


def custom_values(session: Session, record: Customer | Organization) -> dict[str, str | None]:
    """Every stored value of the record by field key, decrypted."""
    return {key: row.value for key, row in _value_rows(session, record).items()}
