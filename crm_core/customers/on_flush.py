"""Standardise customer records on every flush, whatever wrote them.

Operations and imports validate strictly and report a field's error to the user; this
hook is the net under every other write path (intake, other packages, a test building a
row by hand): names and addresses trimmed, emails lower-cased, phones in E.164, and a
phone identity's address replaced by the number's keyed digest. It runs before the
encryption hook (inserted first), so what is encrypted and digested is the standard form.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from crm_core.crypto import crypto_of, is_token
from crm_core.customers.models import ChannelIdentity, Customer, IdentityKind, Organization
from crm_core.customers.standard import standard_email_or_raw, standard_phone
from crm_core.normalise import clean_address, clean_text

_DIGEST = re.compile(r"[0-9a-f]{64}")


def _changed(session: Session, instance: object, name: str) -> bool:
    return instance in session.new or inspect(instance).attrs[name].history.has_changes()


def _standardise_customer(session: Session, customer: Customer) -> None:
    if _changed(session, customer, "name"):
        customer.name = clean_text(customer.name)
    if customer.email and _changed(session, customer, "email"):
        customer.email = standard_email_or_raw(customer.email)
    if customer.phone and not is_token(customer.phone) and _changed(session, customer, "phone"):
        customer.phone = standard_phone(session, customer.phone)
    if customer.address and not is_token(customer.address):
        customer.address = clean_address(customer.address) or None


def _standardise_identity(session: Session, identity: ChannelIdentity) -> None:
    if identity.kind != IdentityKind.PHONE or _DIGEST.fullmatch(identity.address or ""):
        return
    number = standard_phone(session, identity.address)
    identity.secret = number
    identity.address = crypto_of(session).digest(number)


def _standardise_organisation(organisation: Organization) -> None:
    organisation.name = clean_text(organisation.name)
    if organisation.address and not is_token(organisation.address):
        organisation.address = clean_address(organisation.address) or None


def _standardise(session: Session, _context: Any, _instances: Any) -> None:
    for instance in [*session.new, *session.dirty]:
        if isinstance(instance, Customer):
            _standardise_customer(session, instance)
        elif isinstance(instance, ChannelIdentity):
            _standardise_identity(session, instance)
        elif isinstance(instance, Organization):
            _standardise_organisation(instance)


# insert=True: before crm_core.crypto's hook, which encrypts what this one standardised.
event.listen(Session, "before_flush", _standardise, insert=True)
