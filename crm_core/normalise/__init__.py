"""Standardise customer data on every write: emails, phones, names, addresses and dates.

Pure functions; each raises `InvalidValue` naming the field and the reason, so an import
can report a rejected row and a form can show the error beside the field.
"""

from crm_core.normalise.dates import DateOrder, parse_date
from crm_core.normalise.domain import normalise_domain
from crm_core.normalise.email import email_domain, normalise_email
from crm_core.normalise.errors import InvalidValue
from crm_core.normalise.phone import normalise_phone
from crm_core.normalise.text import clean_address, clean_text, fold

__all__ = [
    "DateOrder",
    "InvalidValue",
    "clean_address",
    "clean_text",
    "email_domain",
    "fold",
    "normalise_domain",
    "normalise_email",
    "normalise_phone",
    "parse_date",
]
