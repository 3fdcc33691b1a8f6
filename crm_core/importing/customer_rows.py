"""Customer rows: recognised headers, validation and the idempotent write.

A row is matched to a known customer by its normalised email, then by its phone; a
match fills the customer's blank fields and never overwrites what is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from crm_core.customers import Customer, IdentityKind, find_identity, link_identity
from crm_core.importing.kinds import (
    ImportKind,
    Outcome,
    Problem,
    Problems,
    Row,
    RowSettings,
    RunContext,
    parse_flag,
    text_of,
)
from crm_core.importing.org_rows import organisation_for_customer
from crm_core.normalise import clean_address, normalise_email, normalise_phone, parse_date

CUSTOMER_ALIASES = {
    "name": ["full name", "contact", "contact name", "customer", "customer name", "nom complet",
             "nombre completo", "kundenname", "kunde", "姓名", "客户", "客户名称", "联系人"],
    "first_name": ["first name", "given name", "forename", "vorname", "prénom", "nombre", "名"],
    "last_name": ["last name", "surname", "family name", "nachname", "familienname", "nom",
                  "apellido", "apellidos", "姓"],
    "email": ["e-mail", "email address", "e-mail address", "mail", "e-mail-adresse",
              "courriel", "adresse e-mail", "adresse email", "correo", "correo electrónico",
              "电子邮件", "电子邮箱", "邮箱", "邮件"],
    "phone": ["phone number", "telephone", "tel", "mobile", "mobile phone", "cell", "telefon",
              "telefonnummer", "handy", "mobil", "téléphone", "portable", "numéro de téléphone",
              "teléfono", "móvil", "celular", "电话", "手机", "电话号码", "手机号", "联系电话"],
    "organisation": ["company", "company name", "organization", "account", "account name",
                     "employer", "firma", "unternehmen", "société", "entreprise", "empresa",
                     "compañía", "公司", "公司名称", "单位", "企业"],
    "address": ["street address", "postal address", "adresse", "anschrift", "dirección",
                "地址", "联系地址"],
    "vip": ["vip customer", "is vip"],
    "customer_since": ["customer since", "since", "kunde seit", "client depuis",
                       "cliente desde", "客户起始日期", "注册日期"],
}  # fmt: skip


@dataclass(frozen=True)
class CustomerRecord:
    """A validated customer row, every value standardised."""

    name: str
    email: str | None
    phone: str | None
    organisation: str
    address: str | None
    vip: bool | None
    customer_since: date | None


def validate_customer(row: Row, settings: RowSettings) -> CustomerRecord | list[Problem]:
    """The row as a `CustomerRecord`, or every problem found in it."""
    problems = Problems()
    email = phone = None
    if text_of(row.get("email")):
        email = problems.read(lambda: normalise_email(text_of(row["email"])))
    if text_of(row.get("phone")) or isinstance(row.get("phone"), int | float):
        phone = problems.read(lambda: normalise_phone(row["phone"], settings.region))
    if not text_of(row.get("email")) and not text_of(row.get("phone")):
        problems.missing("email or phone")
    vip = problems.read(lambda: parse_flag(row["vip"], "vip")) if "vip" in row else None
    since: date | None = None
    if text_of(row.get("customer_since")) or isinstance(row.get("customer_since"), date):
        since = problems.read(
            lambda: parse_date(row["customer_since"], "customer_since", settings.date_order)
        )
    if problems.found:
        return problems.found
    name = text_of(row.get("name")) or " ".join(
        part for part in (text_of(row.get("first_name")), text_of(row.get("last_name"))) if part
    )
    return CustomerRecord(
        name=name,
        email=email,
        phone=phone,
        organisation=text_of(row.get("organisation")),
        address=clean_address(text_of(row.get("address"))) or None,
        vip=vip,
        customer_since=since,
    )


def apply_customer(session: Session, record: CustomerRecord, context: RunContext) -> Outcome:
    """Create the customer, or fill the blanks of the one with this email or phone."""
    customer = _known_customer(session, record)
    created = customer is None
    if customer is None:
        customer = Customer(name=record.name)
        session.add(customer)
    changed = _fill_blanks(customer, record)
    organisation = organisation_for_customer(session, record.organisation, record.email, context)
    if organisation is not None and customer.organization_id is None:
        customer.organization = organisation
        changed = True
    session.flush()
    for kind, address in ((IdentityKind.EMAIL, record.email), (IdentityKind.PHONE, record.phone)):
        if address and find_identity(session, kind, address) is None:
            link_identity(session, customer, kind, address)
            changed = True
    if created:
        return Outcome.CREATED
    return Outcome.UPDATED if changed else Outcome.UNCHANGED


def _known_customer(session: Session, record: CustomerRecord) -> Customer | None:
    for kind, address in ((IdentityKind.EMAIL, record.email), (IdentityKind.PHONE, record.phone)):
        if address and (identity := find_identity(session, kind, address)) is not None:
            return identity.customer
    return None


def _fill_blanks(customer: Customer, record: CustomerRecord) -> bool:
    """Set the fields the customer lacks; True when anything changed."""
    changed = False
    for name in ("name", "email", "phone", "address", "customer_since"):
        value = getattr(record, name)
        if value and not getattr(customer, name):
            setattr(customer, name, value)
            changed = True
    if record.vip and not customer.vip:
        customer.vip = True
        changed = True
    return changed


CUSTOMERS = ImportKind(
    name="customers",
    aliases=CUSTOMER_ALIASES,
    required_columns=(("email", "phone"),),
    validate=validate_customer,
    apply=apply_customer,
)
