"""Email addresses: validated by email-validator, lower-cased, no DNS lookups."""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from crm_core.normalise.errors import InvalidValue
from crm_core.normalise.text import clean_text


def normalise_email(value: str | None, field: str = "email") -> str:
    """The address in one canonical form, or `InvalidValue` with email-validator's reason.

    The local part is lower-cased too: RFC 5321 lets a server treat it case-sensitively,
    but no mail provider does, and a customer who types their address in capitals is the
    same customer.
    """
    text = clean_text(value)
    if not text:
        raise InvalidValue(field, value, "no email address")
    # "Jane Doe <jane@example.com>" is how addresses are copied out of mail clients.
    if text.endswith(">") and "<" in text:
        text = text[text.rindex("<") + 1 : -1].strip()
    try:
        return _canonical(text)
    except EmailNotValidError as error:
        raise InvalidValue(field, value, f"not a valid email address: {error}") from error


# Remembered: intake normalises each sender's address more than once (the identity, the
# lead behaviour note), and validation costs more than the rest of a lookup.
@lru_cache(maxsize=4096)
def _canonical(text: str) -> str:
    return validate_email(text, check_deliverability=False).normalized.lower()


def email_domain(email: str) -> str:
    """The domain of a normalised address."""
    return email.rsplit("@", 1)[1]
