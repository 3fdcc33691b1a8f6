"""Satisfaction: a customer's rating of how their request was handled, from any channel.

One rule for the widget, the email link, the portal and Slack: only a solved (or
closed) request is rated, it holds one answer, and that answer may be changed for
`CHANGEABLE_FOR` after it was first given. Reports read the one table.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_core.db import Base, UnitOfWork, utcnow
from servicedesk.desk.errors import InvalidChange, NotFound
from servicedesk.desk.models import ServiceRequest, Status

CHANGEABLE_FOR = timedelta(days=7)
RATED_STATUSES = (Status.SOLVED, Status.CLOSED)


class RatingScale(enum.StrEnum):
    """How `score` reads: good/bad today; a 1-5 scale fits the same column later."""

    GOOD_BAD = "good_bad"  # 0 bad, 1 good
    ONE_TO_FIVE = "one_to_five"


# The answers each scale accepts, and their scores.
RATINGS = {"good": 1, "bad": 0}
SCALES: dict[str, dict[str, int]] = {
    RatingScale.GOOD_BAD.value: RATINGS,
    RatingScale.ONE_TO_FIVE.value: {str(n): n for n in range(1, 6)},
}
# What counts as a satisfied customer on each scale (reports: share of satisfied answers).
SATISFIED_FROM = {RatingScale.GOOD_BAD.value: 1, RatingScale.ONE_TO_FIVE.value: 4}


class RequestRating(Base):
    """The customer's one rating of a request; the latest answer within the window wins."""

    __tablename__ = "request_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), unique=True
    )
    scale: Mapped[str] = mapped_column(String(20), default=RatingScale.GOOD_BAD.value)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))
    # Who answered, as the channel knows them (a visitor id, an email address).
    rater: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def rate_request(
    uow: UnitOfWork,
    request_id: int,
    rating: str,
    comment: str | None,
    channel: str,
    *,
    rater: str | None = None,
    now: datetime | None = None,
    scale: str = RatingScale.GOOD_BAD.value,
) -> RequestRating:
    """Store (or change) the rating of a solved request; `InvalidChange` says why not."""
    answers = SCALES[scale]
    if rating not in answers:
        raise InvalidChange("rating: " + (" or ".join(answers) if len(answers) < 3 else "1 to 5"))
    request = uow.session.get(ServiceRequest, request_id)
    if request is None:
        raise NotFound(f"request {request_id} does not exist")
    if request.status not in RATED_STATUSES:
        raise InvalidChange("the conversation is not solved yet")
    now = now or utcnow()
    stored = uow.session.scalars(
        select(RequestRating).where(RequestRating.request_id == request_id)
    ).one_or_none()
    if stored is None:
        stored = RequestRating(request_id=request_id, created_at=now)
        uow.session.add(stored)
    elif now - _aware(stored.created_at) > CHANGEABLE_FOR:
        raise InvalidChange("the rating can no longer be changed")
    stored.scale, stored.score = scale, answers[rating]
    stored.comment, stored.channel, stored.rater, stored.updated_at = comment, channel, rater, now
    uow.session.flush()
    return stored


def request_rating(session: Session, request_id: int) -> RequestRating | None:
    """The customer's rating of a request, if they gave one."""
    query = select(RequestRating).where(RequestRating.request_id == request_id)
    return session.scalars(query).one_or_none()


def _aware(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
