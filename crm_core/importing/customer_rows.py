"""Customer rows: recognised headers, validation and the idempotent write.

A row is matched to a known customer by its normalised email, then by its phone; a
match fills the customer's blank fields and never overwrites what is there: an owner only
where there is none, a tier only over the default one. Tags are added to the ones the
customer has. An owner column names an agent by email.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crm_core.customers import ChannelIdentity, Customer, IdentityKind, find_identity
from crm_core.customers.identities import identity_key, new_identity
from crm_core.customers.operations import DEFAULT_TIER, add_tag, normalise_tier, tags_of
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
from crm_core.importing.org_lookup import prepare_organisations
from crm_core.importing.org_rows import organisation_for_customer
from crm_core.importing.readers import Cell
from crm_core.normalise import (
    InvalidValue,
    clean_address,
    clean_text,
    normalise_email,
    normalise_phone,
    parse_date,
)

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
    "tags": ["tag", "labels", "label", "schlagwörter", "étiquettes", "etiquetas", "标签"],
    "tier": ["customer tier", "level", "service level", "stufe", "niveau", "nivel", "等级",
             "客户等级"],
    "owner": ["owner email", "account owner", "sales rep", "rep", "betreuer", "responsable",
              "负责人"],
}  # fmt: skip
# Tags in one cell: "vip, beta" or "vip; beta" or "vip | beta".
_TAG_SEPARATORS = re.compile(r"[,;|]")


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
    tags: tuple[str, ...] = ()
    tier: str | None = None
    owner_id: int | None = None


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
    account = _account_fields(row, settings, problems)
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
        tags=_tags(row.get("tags")),
        tier=account[0],
        owner_id=account[1],
    )


def _account_fields(
    row: Row, settings: RowSettings, problems: Problems
) -> tuple[str | None, int | None]:
    """The row's tier and owner (an agent named by email), when given."""
    tier = owner_id = None
    if text_of(row.get("tier")):
        tier = problems.read(lambda: normalise_tier(text_of(row["tier"])))
    if text_of(row.get("owner")):
        owner_id = problems.read(lambda: _owner(row, settings))
    return tier, owner_id


def _tags(cell: Cell) -> tuple[str, ...]:
    names = (clean_text(name) for name in _TAG_SEPARATORS.split(text_of(cell)))
    return tuple(dict.fromkeys(name for name in names if name))


def _owner(row: Row, settings: RowSettings) -> int:
    """The agent an owner cell names by email."""
    email = text_of(row["owner"]).lower()
    if email not in settings.owners:
        raise InvalidValue("owner", row["owner"], "no agent has this email")
    return settings.owners[email]


def apply_customer(session: Session, record: CustomerRecord, context: RunContext) -> Outcome:
    """Create the customer, or fill the blanks of the one with this email or phone."""
    wanted = {IdentityKind.EMAIL: record.email, IdentityKind.PHONE: record.phone}
    known = {
        kind: identity
        for kind, address in wanted.items()
        if address and (identity := _identity(session, context, kind, address)) is not None
    }
    # Email first: a shared phone (a switchboard) is weaker evidence than an address.
    match = known.get(IdentityKind.EMAIL) or known.get(IdentityKind.PHONE)
    customer = match.customer if match is not None else Customer(name=record.name)
    if match is None:
        session.add(customer)
    changed = _fill_blanks(customer, record)
    changed = _add_tags(session, customer, record.tags) or changed
    organisation = organisation_for_customer(session, record.organisation, record.email, context)
    # Both checks: a customer created earlier in the batch has its organisation but, until
    # the batch is flushed, no organization_id.
    if organisation is not None and customer.organization_id is None and not customer.organization:
        customer.organization = organisation
        changed = True
    for kind, address in wanted.items():
        if address and kind not in known:
            # Built directly: the lookups above already showed the address is free.
            identity = new_identity(session, customer, kind, address)
            context.cache.setdefault(_SEEN, {})[(kind, address)] = identity
            changed = True
    if match is None:
        return Outcome.CREATED
    return Outcome.UPDATED if changed else Outcome.UNCHANGED


_SEEN = "customer_identities"  # (kind, address) -> identity or None, for the batch


def prepare_customers(session: Session, records: list[CustomerRecord], context: RunContext) -> None:
    """Look up every email and phone of the batch in two queries."""
    seen: dict[tuple[IdentityKind, str], ChannelIdentity | None] = {}
    for kind, addresses in (
        (IdentityKind.EMAIL, {r.email for r in records if r.email}),
        (IdentityKind.PHONE, {r.phone for r in records if r.phone}),
    ):
        if not addresses:
            continue
        seen.update(dict.fromkeys(((kind, a) for a in addresses), None))
        # Phones are stored as keyed digests: look those up and map them back.
        keys = {identity_key(session, kind, a): a for a in addresses}
        query = (
            select(ChannelIdentity)
            .where(ChannelIdentity.kind == kind, ChannelIdentity.address.in_(keys))
            .options(joinedload(ChannelIdentity.customer))
        )
        seen.update({(kind, keys[i.address]): i for i in session.scalars(query)})
    context.cache[_SEEN] = seen
    prepare_organisations(
        session,
        {r.organisation for r in records if r.organisation},
        {r.email for r in records if r.email},
        context,
    )


def _identity(
    session: Session, context: RunContext, kind: IdentityKind, address: str
) -> ChannelIdentity | None:
    seen: dict[tuple[IdentityKind, str], ChannelIdentity | None] = context.cache.get(_SEEN, {})
    if (kind, address) in seen:
        return seen[(kind, address)]
    return find_identity(session, kind, address)


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
    if record.owner_id is not None and customer.owner_id is None:
        customer.owner_id = record.owner_id
        changed = True
    if record.tier and customer.tier in (None, DEFAULT_TIER) and record.tier != customer.tier:
        customer.tier = record.tier
        changed = True
    return changed


def _add_tags(session: Session, customer: Customer, names: tuple[str, ...]) -> bool:
    """Add the row's tags the customer lacks; True when one was added."""
    if not names:
        return False
    if customer.id is None:
        session.flush()  # tags link by id: only rows that carry tags pay for this flush
    had = {tag.name_key for tag in tags_of(session, customer)}
    added = [add_tag(session, customer, name) for name in names]
    return any(tag.name_key not in had for tag in added)


CUSTOMERS = ImportKind(
    name="customers",
    aliases=CUSTOMER_ALIASES,
    required_columns=(("email", "phone"),),
    validate=validate_customer,
    apply=apply_customer,
    prepare=prepare_customers,
)
