"""Standardising what is written to a customer record, with the session's settings.

The session factory carries the keys (crm_core.crypto) and the default phone region
(`PHONE_REGION_KEY` in its info), so every write path, from an operation, an import row
or intake's `resolve_identity`, standardises the same way without being handed them.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session

from crm_core.crypto import crypto_of
from crm_core.normalise import InvalidValue, normalise_email, normalise_phone

PHONE_REGION_KEY = "crm_phone_region"


def phone_region_of(session: Session) -> str | None:
    region = session.info.get(PHONE_REGION_KEY)
    return str(region) if region else None


def standard_phone(session: Session, value: object, field: str = "phone") -> str:
    """E.164, with numbers lacking a country code read in the configured region."""
    if isinstance(value, str):
        try:
            return _cached_phone(value, phone_region_of(session))
        except InvalidValue as error:
            raise InvalidValue(field, value, error.reason) from None
    return normalise_phone(value, phone_region_of(session), field)


# A row's number is standardised when it is looked up, when it is written and when it is
# flushed; parsing with phonenumbers is the costly part of an import row, so once is enough.
@lru_cache(maxsize=4096)
def _cached_phone(value: str, region: str | None) -> str:
    return normalise_phone(value, region)


def phone_digest(session: Session, value: object, field: str = "phone") -> str:
    """The keyed digest of a phone number, as stored beside it and in phone identities."""
    return crypto_of(session).digest(standard_phone(session, value, field))


@lru_cache(maxsize=4096)
def standard_email_or_raw(address: str) -> str:
    """A validated email address; one email-validator refuses (inbound mail from an odd
    sender must still be kept) is trimmed and lower-cased instead."""
    try:
        return normalise_email(address)
    except InvalidValue:
        return address.strip().lower()
