"""Asking for a rating once a request is solved, in the request's own channel, and the report.

The ask goes out once per request (a `RatingInvitation` row is the proof): by email with a
signed link for email and help centre customers; the chat widget and the help centre page
ask by themselves on the solved status, and Slack's rating buttons come from its adapter.
Every answer goes through `feedback.rate_request`, the one rating rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import DateTime, ForeignKey, String, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from channels.base import ChannelNotConfigured, DeliveryRefused
from channels.registry import AdapterRegistry
from crm_core.db import Base, UnitOfWork, utcnow
from servicedesk.desk.feedback import RATED_STATUSES, SATISFIED_FROM, RequestRating
from servicedesk.desk.models import Agent, Direction, ServiceRequest, Team
from servicedesk.desk.ports import NoticeSender

log = logging.getLogger(__name__)
_SALT = "servicedesk.rating-link"
# Channels whose customers are asked by email; the others ask in their own UI.
ASKED_BY_EMAIL = ("email", "portal")


class RatingInvitation(Base):
    """The customer was asked to rate this request (once, ever)."""

    __tablename__ = "rating_invitations"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def rating_token(secret: str, request_id: int) -> str:
    """The token of a request's rating link; whoever holds the mail may answer."""
    return str(URLSafeSerializer(secret, salt=_SALT).dumps(request_id))


def read_rating_token(secret: str, token: str) -> int | None:
    """The request a rating link names, or None when it is not one of ours."""
    try:
        value = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except (BadSignature, ValueError):
        return None
    return value if isinstance(value, int) and value > 0 else None


def invite_rating(
    uow_factory: Callable[[], UnitOfWork],
    adapters: AdapterRegistry,
    link_for: Callable[[str], str],
    secret: str,
    request_id: int,
) -> bool:
    """Ask for a rating of a solved request, once; True when a mail went out."""
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        if request is None or request.status not in RATED_STATUSES:
            return False
        channel = _customer_channel(request)
        try:
            with uow.session.begin_nested():
                uow.session.add(RatingInvitation(request_id=request_id, channel=channel))
        except IntegrityError:
            return False  # asked already
        address = request.customer.email if channel in ASKED_BY_EMAIL else None
        subject = f"How did we do? [{request.reference}]"
        uow.commit()
    if address is None:
        return False
    return _mail(adapters, address, subject, link_for(rating_token(secret, request_id)), request_id)


def _customer_channel(request: ServiceRequest) -> str:
    inbound = [m.channel for m in request.messages if m.direction == Direction.INBOUND]
    return inbound[-1] if inbound else request.channel


def _mail(adapters: AdapterRegistry, address: str, subject: str, link: str, rid: int) -> bool:
    adapter = adapters.get("email") if "email" in adapters else None
    if not isinstance(adapter, NoticeSender):
        log.info("no outbound mail configured; rating link for %s: %s", address, link)
        return False
    text = (
        "Your request is solved. Would you tell us how we did?\n\n"
        f"Rate our answer here (one click, a comment if you like):\n{link}\n\n"
        "You can change your answer for seven days.\n"
    )
    try:
        adapter.send_notice(address, subject, text, f"rating.{rid}")
    except ChannelNotConfigured:
        # The embedded default has no outbound mail: as expected as the missing adapter.
        log.info("no outbound mail configured; rating link for %s: %s", address, link)
        return False
    except DeliveryRefused as error:
        log.warning("rating invitation to %s not sent: %s", address, error)
        return False
    return True


@dataclass(frozen=True)
class SatisfactionRow:
    """One group of the satisfaction report."""

    group: str
    answers: int
    satisfied: int
    average: float

    @property
    def satisfied_share(self) -> float:
        return self.satisfied / self.answers if self.answers else 0.0


GROUPS = {
    "agent": Agent.name,
    "team": Team.name,
    "channel": RequestRating.channel,
    "category": ServiceRequest.category,
}


def satisfaction_report(
    session: Session, since: datetime, until: datetime, by: str
) -> list[SatisfactionRow]:
    """Answers, satisfied answers and the average score per agent, team, channel or category."""
    column = GROUPS[by]
    satisfied = func.sum(
        case(
            *(
                ((RequestRating.scale == scale) & (RequestRating.score >= floor), 1)
                for scale, floor in SATISFIED_FROM.items()
            ),
            else_=0,
        )
    )
    query = (
        select(column, func.count(RequestRating.id), satisfied, func.avg(RequestRating.score))
        .join(ServiceRequest, RequestRating.request_id == ServiceRequest.id)
        .outerjoin(Agent, ServiceRequest.assignee_id == Agent.id)
        .outerjoin(Team, ServiceRequest.team_id == Team.id)
        .where(RequestRating.updated_at >= since, RequestRating.updated_at < until)
        .group_by(column)
        .order_by(func.count(RequestRating.id).desc())
    )
    return [
        SatisfactionRow(str(group or "(none)"), int(n), int(ok or 0), float(avg or 0))
        for group, n, ok, avg in session.execute(query)
    ]


def ratings_of_agent(session: Session, agent_id: int, limit: int = 50) -> list[RequestRating]:
    """The newest ratings of the requests an agent is assigned, for the agent's page."""
    query = (
        select(RequestRating)
        .join(ServiceRequest, RequestRating.request_id == ServiceRequest.id)
        .where(ServiceRequest.assignee_id == agent_id)
        .order_by(RequestRating.updated_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
