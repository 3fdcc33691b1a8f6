"""Who a Slack user is: `users.info`, cached in `slack_users`, matched to agents and customers.

Trusting a Slack email. An email links a Slack user to a CRM customer (and to an agent
account) only when Slack vouches for it: the user belongs to *our* workspace (the
workspace the event was delivered to) and `users.info` says the address is confirmed.
People from other workspaces in shared (Slack Connect) channels are identified by their
Slack user id alone: their workspace's admins, not Slack or us, control what address
their profile shows, so a stranger could otherwise borrow a customer's history or an
agent's rights. Their requests open under a customer of their own; an agent may merge
it with the right customer in the CRM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from channels.slack.api import SlackApi, SlackUserInfo
from channels.slack.models import SlackUser
from channels.slack.posts import WriteRunner
from crm_core.customers import find_identity, link_identity, resolve_identity
from crm_core.db import utcnow

# How long a cached `users.info` answer is used before asking Slack again.
CACHE_FOR = timedelta(hours=12)
# Finds the active agent with this email (given by the composition root: agents live
# in the desk, which this package may not import).
AgentByEmail = Callable[[Session, str], int | None]


@dataclass(frozen=True)
class SlackProfile:
    """A Slack user as the desk uses them."""

    user_id: str
    name: str
    email: str | None  # trusted addresses only (see the module docstring)
    is_bot: bool
    agent_id: int | None


class Directory:
    """Profiles by user id, from the cache or `users.info`; links customers by email."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        api: SlackApi | None,
        run_write: WriteRunner[Any],
        agent_by_email: AgentByEmail,
    ) -> None:
        self._sessions, self._api, self._run_write = sessions, api, run_write
        self._agent_by_email = agent_by_email

    def profile(self, user_id: str, workspace: str | None, fallback_name: str = "") -> SlackProfile:
        """The user's profile; `workspace` is the team id the payload names (used only when
        there is no bot token to ask Slack for ours)."""
        with self._sessions() as session:
            cached = session.get(SlackUser, user_id)
            if cached is not None and _fresh(cached):
                return _profile(cached)
        info = self._api.user_info(user_id) if self._api is not None else None
        if info is None and cached is not None:
            return _profile(cached)  # Slack did not answer: the old answer is better than none
        stored: SlackProfile = self._run_write(
            lambda: self._store(user_id, info, workspace, fallback_name)
        )
        return stored

    def _store(
        self, user_id: str, info: SlackUserInfo | None, workspace: str | None, fallback: str
    ) -> SlackProfile:
        with self._sessions() as session:
            row = session.get(SlackUser, user_id) or SlackUser(user_id=user_id)
            session.add(row)
            # Our workspace as the bot token knows it; the payload's team only without a token.
            home = self._api.workspace() if self._api is not None else workspace
            trusted = bool(
                info and info.email and info.email_confirmed and home and info.team_id == home
            )
            row.team_id = info.team_id if info else None
            row.name = (info.name if info else fallback or row.name or user_id)[:200]
            row.email = info.email.lower() if info and info.email and trusted else None
            row.email_trusted = trusted
            row.is_bot = bool(info and info.is_bot)
            row.fetched_at = utcnow()
            if not row.agent_pinned:
                row.agent_id = self._agent_by_email(session, row.email) if row.email else None
            session.commit()
            return _profile(row)

    def link_customer(self, profile: SlackProfile) -> None:
        """Make sure the Slack identity belongs to the customer with the user's trusted email.

        Only a user without a Slack identity yet is linked: an agent may have moved the
        identity to another customer since, and that choice stands.
        """
        if profile.email is None or profile.is_bot:
            return
        email = profile.email

        def link() -> None:
            with self._sessions() as session:
                if find_identity(session, "slack", profile.user_id) is not None:
                    return
                customer = resolve_identity(session, "email", email, profile.name or None)
                link_identity(session, customer, "slack", profile.user_id, profile.name or None)
                session.commit()

        self._run_write(link)

    def set_agent(self, user_id: str, agent_id: int | None) -> None:
        """An admin's choice of agent for a Slack user; kept across refreshes."""

        def store() -> None:
            with self._sessions() as session:
                row = session.get(SlackUser, user_id)
                if row is None:
                    raise LookupError(f"unknown Slack user {user_id}")
                row.agent_id, row.agent_pinned = agent_id, True
                session.commit()

        self._run_write(store)

    def user_of_agent(self, agent_id: int) -> str | None:
        """The Slack user id mapped to an agent, if any."""
        with self._sessions() as session:
            row = session.scalars(select(SlackUser).where(SlackUser.agent_id == agent_id)).first()
            return row.user_id if row else None


def _fresh(row: SlackUser) -> bool:
    fetched = row.fetched_at if row.fetched_at.tzinfo else row.fetched_at.replace(tzinfo=UTC)
    return utcnow() - fetched < CACHE_FOR


def _profile(row: SlackUser) -> SlackProfile:
    return SlackProfile(row.user_id, row.name, row.email, row.is_bot, row.agent_id)
