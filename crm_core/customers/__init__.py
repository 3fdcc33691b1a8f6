"""Customers: the person records, their organisations and the identities they reach us by.

A package per concept: `models` holds the tables, `identities` finds and links addresses.
The names below are the package's public face; callers import from here.
"""

from crm_core.customers.identities import (
    find_identity,
    link_identity,
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

__all__ = [
    "ChannelIdentity",
    "Customer",
    "IdentityKind",
    "LifecycleStage",
    "Organization",
    "find_identity",
    "link_identity",
    "normalise_address",
    "resolve_identity",
]
