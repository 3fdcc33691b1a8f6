"""Agent accounts: creation, argon2 password hashes, sign-in checks."""

from __future__ import annotations

import email_validator
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicedesk.desk.errors import InvalidChange
from servicedesk.desk.models import Agent, Role

# Agents sign in with intranet addresses such as admin@demo.local; email-validator's
# documented switch for that is to drop the name from its special-use list.
if "local" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("local")

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps sign-in time independent of
# whether the account exists.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidChange(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidChange(f"email: {error}") from error


def find_agent(session: Session, email: str) -> Agent | None:
    query = select(Agent).where(Agent.email == email.strip().lower())
    return session.scalars(query).one_or_none()


def create_agent(
    session: Session,
    email: str,
    password: str,
    *,
    name: str | None = None,
    roles: list[str] | None = None,
    skills: list[str] | None = None,
    capacity: int = 10,
) -> Agent:
    """A new agent; raises `InvalidChange` naming the bad field."""
    address = normalise_email(email)
    roles = roles or [Role.AGENT.value]
    unknown = [r for r in roles if r not in {role.value for role in Role}]
    if unknown:
        raise InvalidChange(f"role: unknown role {unknown[0]!r}")
    if find_agent(session, address) is not None:
        raise InvalidChange(f"email: an agent with {address} already exists")
    agent = Agent(
        email=address,
        name=name or address.split("@")[0].replace(".", " ").title(),
        password_hash=hash_password(password),
        roles=roles,
        skills=skills or [],
        capacity=capacity,
    )
    session.add(agent)
    session.flush()
    return agent


def authenticate(session: Session, email: str, password: str) -> Agent | None:
    """The active agent with these credentials, or None; rehashes outdated parameters."""
    agent = find_agent(session, email)
    if agent is None or not agent.is_active:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(agent.password_hash, password):
        return None
    if _hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = _hasher.hash(password)
    return agent


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; as slow for a missing hash as for a wrong password."""
    if password_hash is None:
        _verify(_DUMMY_HASH, password)
        return False
    return _verify(password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def end_sessions(agent: Agent) -> int:
    """Invalidate every signed-in session of `agent` (sign-out everywhere); the new version."""
    agent.session_version = (agent.session_version or 0) + 1
    return agent.session_version


def change_password(session: Session, agent_id: int, current: str, new: str) -> Agent:
    """Set a new password after checking the current one; ends every session of the agent.

    Raises `InvalidChange` naming the field. The caller keeps its own session alive by
    storing the returned agent's new `session_version` in it.
    """
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.is_active or not _verify(agent.password_hash, current):
        raise InvalidChange("current password: wrong password")
    agent.password_hash = hash_password(new)
    end_sessions(agent)
    return agent


def active_agent_id(session: Session, email: str) -> int | None:
    """The id of the active agent signing in with `email` (a Slack user's match), if any."""
    agent = find_agent(session, email)
    return agent.id if agent is not None and agent.is_active else None
