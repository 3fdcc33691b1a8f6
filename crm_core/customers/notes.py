"""Notes on a customer: what a rep or an agent wants colleagues to know about the person.

Unlike a request's internal notes they belong to the customer, not to a conversation,
and every CRM role that may change the customer may add one. They appear on the 360
timeline through `note_entries`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_core.access import Viewer
from crm_core.customers.models import Customer
from crm_core.customers.visibility import check_changes
from crm_core.db import Base, utcnow
from crm_core.normalise import clean_text
from crm_core.timeline import TimelineEntry

MAX_NOTE = 20_000
NOTES_SHOWN = 500


class EmptyNote(ValueError):
    """A note needs some text."""


class CustomerNote(Base):
    """A note on a customer, by an agent or rep (kept by id only: agents live above us)."""

    __tablename__ = "customer_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    author_id: Mapped[int | None] = mapped_column()
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def add_customer_note(
    session: Session, viewer: Viewer, customer_id: int, text: str, author_name: str = ""
) -> CustomerNote:
    """Add a note to a customer the viewer may change; raises `EmptyNote` or `NotAllowed`."""
    check_changes(session, viewer, customer_id)
    if session.get(Customer, customer_id) is None:
        raise LookupError(f"no customer {customer_id}")
    body = "\n".join(clean_text(line) for line in (text or "").strip().splitlines()).strip()
    if not body:
        raise EmptyNote("text: a note needs some text")
    note = CustomerNote(
        customer_id=customer_id,
        author_id=viewer.user_id,
        author_name=author_name[:200],
        text=body[:MAX_NOTE],
    )
    session.add(note)
    session.flush()
    return note


def note_entries(session: Session, customer_ids: Sequence[int]) -> Iterable[TimelineEntry]:
    """The customers' notes as timeline entries (a timeline source)."""
    query = (
        select(CustomerNote)
        .where(CustomerNote.customer_id.in_(list(customer_ids)))
        .order_by(CustomerNote.created_at.desc())
        .limit(NOTES_SHOWN)
    )
    for note in session.scalars(query):
        yield TimelineEntry(
            at=note.created_at,
            kind="note",
            title=f"Note by {note.author_name or 'someone'}",
            detail=note.text,
            ref=("customer", note.customer_id),
        )
