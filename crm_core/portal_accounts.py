"""A customer's account in the help centre: the CRM contact with a confirmed email.

The account adds what signing in needs to the contact: an optional password hash, a
session version (raising it signs the customer out everywhere) and whether they manage
their organisation's requests. The row appears at the first sign-in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from crm_core.customers import Customer
from crm_core.db import Base, utcnow


class PortalAccount(Base):
    """Sign-in state of one customer in the help centre."""

    __tablename__ = "portal_accounts"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # Organisation managers see every request of their organisation.
    manages_organisation: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    customer: Mapped[Customer] = relationship()


def account_of(session: Session, customer: Customer) -> PortalAccount:
    """The customer's account, opened on first use."""
    account = session.get(PortalAccount, customer.id)
    if account is None:
        account = PortalAccount(customer=customer, session_version=0)
        session.add(account)
        session.flush()
    return account


def end_portal_sessions(account: PortalAccount) -> int:
    """Sign the customer out everywhere; the new version their sessions must carry."""
    account.session_version = (account.session_version or 0) + 1
    return account.session_version
