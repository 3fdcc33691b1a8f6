"""Tables of the Slack channel: the event ledger, the post ledger and the user directory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db import Base, utcnow


class SlackEvent(Base):
    """One Events API delivery we handled, by Slack's `event_id`.

    Slack re-sends an event it thinks we missed (`X-Slack-Retry-Num`); a second arrival
    of a claimed id is answered 200 and does nothing.
    """

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SlackPost(Base):
    """One message the app posts to Slack, by a key naming why (a reply, a rating prompt).

    Claimed before the Web API call: a retried job finds the post made (`ts` set) or in
    doubt, and then looks for it in Slack before posting again (see `SlackAdapter.post`).
    """

    __tablename__ = "slack_posts"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(40))
    thread_ts: Mapped[str | None] = mapped_column(String(40))
    ts: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SlackUser(Base):
    """A Slack user as `users.info` described them, and the desk agent they are, if any.

    `agent_id` is filled by matching the Slack email with an agent's; an admin may fix it
    by hand (`agent_pinned`), and a later refresh keeps such a choice. `email` is only set
    for a user whose email Slack vouches for (see `channels.slack.directory`).
    """

    __tablename__ = "slack_users"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    # Their workspace is ours and Slack confirmed the address: an email we may link by.
    email_trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    agent_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
