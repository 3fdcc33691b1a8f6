"""Consent and unsubscribe per purpose, with where each answer came from and when.

Every grant and every withdrawal is a row of its own (`consent_records`): the history is
the evidence GDPR asks for. What is in force for a (customer, purpose) is its newest row.
A withdrawal by an address we cannot tie to a customer, and every erased person, leaves a
`Suppression`: a hash of the normalised address, so the address is never mailed again
although we no longer know whose it was. Campaigns ask `may_contact` or select from
`contactable_customer_ids` before sending anything.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Select,
    String,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_core.customers import ChannelIdentity, Customer, IdentityKind
from crm_core.db import Base, utcnow


class Purpose(enum.StrEnum):
    """What a person may be contacted for; each is granted and withdrawn on its own."""

    MARKETING_EMAIL = "marketing_email"
    NEWSLETTER = "newsletter"
    PRODUCT_UPDATES = "product_updates"
    SMS = "sms"


PURPOSES = tuple(p.value for p in Purpose)
# A suppression with this purpose stops every purpose (erasure, "unsubscribe from all").
ALL_PURPOSES = "*"


class ConsentError(ValueError):
    """An unknown purpose or a missing source; the message names the field."""


class ConsentRecord(Base):
    """One grant or withdrawal of consent by a customer for one purpose."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool] = mapped_column(Boolean)
    # How we learnt it: "web-form", "import", "unsubscribe-link", "agent", "api", ...
    source: Mapped[str] = mapped_column(String(60))
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Suppression(Base):
    """An address never to contact again (for `purpose`, or every purpose), kept as a hash."""

    __tablename__ = "consent_suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(40), default=ALL_PURPOSES)
    reason: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def address_hash(address: str) -> str:
    """SHA-256 of the trimmed, lower-cased address: stable, and not the address itself."""
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


def _purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ConsentError(f"purpose: one of {', '.join(PURPOSES)}, not {purpose!r}")
    return purpose


def record_consent(
    session: Session,
    customer_id: int,
    purpose: str,
    *,
    granted: bool,
    source: str,
    recorded_by: str | None = None,
    at: datetime | None = None,
) -> ConsentRecord:
    """Store a grant or a withdrawal; the newest record of a purpose is the one in force."""
    if not source.strip():
        raise ConsentError("source: say how the consent was given or withdrawn")
    row = ConsentRecord(
        customer_id=customer_id,
        purpose=_purpose(purpose),
        granted=granted,
        source=source.strip()[:60],
        recorded_by=recorded_by,
        recorded_at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def grant_consent(
    session: Session, customer_id: int, purpose: str, source: str, **kw: object
) -> ConsentRecord:
    return record_consent(session, customer_id, purpose, granted=True, source=source, **kw)  # type: ignore[arg-type]


def withdraw_consent(
    session: Session, customer_id: int, purpose: str, source: str, **kw: object
) -> ConsentRecord:
    return record_consent(session, customer_id, purpose, granted=False, source=source, **kw)  # type: ignore[arg-type]


def consent_state(session: Session, customer_id: int) -> dict[str, bool]:
    """Every purpose with its answer in force (False when never asked)."""
    state = dict.fromkeys(PURPOSES, False)
    rows = session.execute(
        select(ConsentRecord.purpose, ConsentRecord.granted)
        .where(ConsentRecord.customer_id == customer_id)
        .order_by(ConsentRecord.id)
    )
    for purpose, granted in rows:
        state[purpose] = granted
    return state


def consented_customer_ids(purpose: str | None = None) -> Select[Any]:
    """A select of the customers with a consent in force (for `purpose`, or for any)."""
    newest = select(func.max(ConsentRecord.id).label("id")).group_by(
        ConsentRecord.customer_id, ConsentRecord.purpose
    )
    if purpose is not None:
        newest = newest.where(ConsentRecord.purpose == _purpose(purpose))
    return select(ConsentRecord.customer_id).where(
        ConsentRecord.id.in_(newest), ConsentRecord.granted.is_(True)
    )


def _suppressed_hashes(session: Session, hashes: list[str], purpose: str) -> bool:
    if not hashes:
        return False
    found = session.scalar(
        select(Suppression.id)
        .where(Suppression.address_hash.in_(hashes))
        .where(Suppression.purpose.in_([purpose, ALL_PURPOSES]))
        .limit(1)
    )
    return found is not None


def is_suppressed(session: Session, address: str, purpose: str = ALL_PURPOSES) -> bool:
    """Whether `address` was unsubscribed or erased for `purpose` (or for everything)."""
    return _suppressed_hashes(session, [address_hash(address)], purpose)


def may_contact(session: Session, customer_id: int, purpose: str) -> bool:
    """The one question a campaign asks before sending: consent in force, not suppressed."""
    newest = session.scalar(
        select(ConsentRecord.granted)
        .where(ConsentRecord.customer_id == customer_id, ConsentRecord.purpose == _purpose(purpose))
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )
    if not newest:
        return False
    addresses = session.scalars(
        select(ChannelIdentity.address).where(
            ChannelIdentity.customer_id == customer_id,
            ChannelIdentity.kind.in_([IdentityKind.EMAIL, IdentityKind.PHONE]),
        )
    ).all()
    primary = session.scalar(select(Customer.email).where(Customer.id == customer_id))
    hashes = [address_hash(a) for a in {*addresses, *([primary] if primary else [])}]
    return not _suppressed_hashes(session, hashes, purpose)


def contactable(session: Session, customer_ids: list[int], purpose: str) -> list[int]:
    """The ids among `customer_ids` that `may_contact` allows, in the order given."""
    return [cid for cid in customer_ids if may_contact(session, cid, purpose)]


def unsubscribe(
    session: Session, address: str, purpose: str | None, source: str, recorded_by: str | None = None
) -> int:
    """Honour an unsubscribe for `address` (one purpose, or every purpose with None).

    The customers behind the address get a withdrawal per purpose; the address itself is
    suppressed too, so a later import of the same address is not mailed either. Returns
    the number of customers found.
    """
    purposes = [_purpose(purpose)] if purpose else list(PURPOSES)
    key = address.strip().lower()
    owners = set(
        session.scalars(select(ChannelIdentity.customer_id).where(ChannelIdentity.address == key))
    ) | set(session.scalars(select(Customer.id).where(Customer.email == key)))
    for customer_id in sorted(owners):
        for each in purposes:
            record_consent(
                session, customer_id, each, granted=False, source=source, recorded_by=recorded_by
            )
    suppress(session, key, purpose or ALL_PURPOSES, reason=source)
    return len(owners)


def suppress(session: Session, address: str, purpose: str = ALL_PURPOSES, *, reason: str) -> None:
    """Keep the hash of `address` on the suppression list (idempotent)."""
    digest = address_hash(address)
    exists = session.scalar(
        select(Suppression.id).where(
            Suppression.address_hash == digest, Suppression.purpose == purpose
        )
    )
    if exists is None:
        session.add(Suppression(address_hash=digest, purpose=purpose, reason=reason[:60]))
        session.flush()
