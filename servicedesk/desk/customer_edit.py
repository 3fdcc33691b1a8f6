"""Editing a customer's record from the console: one change of contact details, owner,
tier, tags, an address and custom fields, checked, scoped and audited as a whole."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.audit import audited
from crm_core.customers import Customer
from crm_core.customers.custom_fields import FieldErrors, set_custom_values
from crm_core.customers.operations import (
    AddressInput,
    add_address,
    add_tag,
    remove_tag,
    set_owner,
    set_tier,
    tags_of,
    update_contact,
)
from crm_core.normalise.errors import InvalidValue
from servicedesk.desk.customer_access import ensure_may_change_customer


@dataclass(frozen=True)
class CustomerChange:
    """What the edit form sent; every field is set (the form shows the current values)."""

    name: str
    email: str
    phone: str
    owner_id: int | None
    tier: str
    tags: tuple[str, ...]
    address: AddressInput | None = None
    custom: dict[str, str] = field(default_factory=dict)


class ChangeRefused(ValueError):
    """The change was not made; `errors` maps each field to its reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def edit_customer(
    session: Session, viewer: Viewer, customer_id: int, change: CustomerChange
) -> Customer:
    """Apply the change, or none of it: `ChangeRefused` names every bad field; the caller
    commits (or rolls back on refusal)."""
    ensure_may_change_customer(session, viewer, customer_id)
    customer = session.get(Customer, customer_id)
    assert customer is not None, "ensure_may_change_customer found it"
    errors: dict[str, str] = {}
    with audited(session, viewer, "edited in the console"):
        _try(errors, lambda: update_contact(
            session, customer, name=change.name, email=change.email, phone=change.phone
        ))  # fmt: skip
        _try(errors, lambda: set_owner(customer, change.owner_id))
        _try(errors, lambda: set_tier(customer, change.tier))
        _try(errors, lambda: _set_tags(session, customer, change.tags))
        address = change.address
        if address is not None:
            _try(errors, lambda: add_address(session, customer, address))
        if change.custom:
            _try(errors, lambda: set_custom_values(session, customer, change.custom))
        if errors:
            raise ChangeRefused(errors)
    return customer


def _set_tags(session: Session, customer: Customer, wanted: tuple[str, ...]) -> None:
    current = {tag.name for tag in tags_of(session, customer)}
    for name in current - set(wanted):
        remove_tag(session, customer, name)
    for name in wanted:
        if name not in current:
            add_tag(session, customer, name)


def _try(errors: dict[str, str], action: Callable[[], object]) -> None:
    try:
        action()
    except FieldErrors as refused:
        errors.update({e.field: e.reason for e in refused.errors})
    except InvalidValue as error:
        errors[error.field] = error.reason
