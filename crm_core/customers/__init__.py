"""Customers: the person records, their organisations and the identities they reach us by.

A package per concept: `models` holds the tables, `identities` finds and links addresses.
The names below are the package's public face; callers import from here.
"""

from crm_core.customers import on_flush  # noqa: F401  (standardises every write)
from crm_core.customers.field_models import (
    CustomFieldDefinition,
    CustomFieldValue,
    FieldEntity,
    FieldKind,
)
from crm_core.customers.identities import (
    WHOLE_TRANSACTION_RETRIED,
    find_identity,
    identity_key,
    link_identity,
    new_identity,
    normalise_address,
    resolve_identity,
)
from crm_core.customers.models import (
    ChannelIdentity,
    Customer,
    IdentityKind,
    LifecycleStage,
    Organization,
)
from crm_core.customers.records import Address, AddressKind, Tag

__all__ = [
    "WHOLE_TRANSACTION_RETRIED",
    "Address",
    "AddressKind",
    "ChannelIdentity",
    "CustomFieldDefinition",
    "CustomFieldValue",
    "Customer",
    "FieldEntity",
    "FieldKind",
    "IdentityKind",
    "LifecycleStage",
    "Organization",
    "Tag",
    "find_identity",
    "identity_key",
    "link_identity",
    "new_identity",
    "normalise_address",
    "resolve_identity",
]
