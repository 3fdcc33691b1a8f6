"""Rows for tests, built in a unit of work: agents, teams, customers, requests, messages.

Each builder adds its row to `uow.session`, flushes (so the row has its id) and returns
it; committing is left to the test. Defaults give valid, distinct rows, so a test names
only what it is about. Agents get no usable password unless one is given, which keeps
the slow password hash out of tests that never sign in.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from crm_core.customers import ChannelIdentity, Customer, IdentityKind
from crm_core.db import UnitOfWork
from servicedesk.desk.accounts import hash_password
from servicedesk.desk.models import (
    Agent,
    DeliveryState,
    Direction,
    Message,
    Presence,
    ServiceRequest,
    Status,
    Team,
)

_serial = itertools.count(1)


def make_agent(
    uow: UnitOfWork,
    name: str = "Ana",
    *,
    email: str | None = None,
    roles: Iterable[str] = ("agent",),
    capacity: int = 10,
    presence: Presence = Presence.OFFLINE,
    password: str | None = None,
    active: bool = True,
) -> Agent:
    """An agent; with `password` one who can sign in."""
    agent = Agent(
        email=email or f"{name.lower()}.{next(_serial)}@desk.example",
        name=name,
        password_hash=hash_password(password) if password else "!",  # "!" matches no password
        roles=list(roles),
        capacity=capacity,
        presence=presence,
        is_active=active,
    )
    uow.session.add(agent)
    uow.session.flush()
    return agent


def make_team(uow: UnitOfWork, name: str | None = None, *, members: Iterable[Agent] = ()) -> Team:
    team = Team(name=name or f"Team {next(_serial)}", members=list(members))
    uow.session.add(team)
    uow.session.flush()
    return team


def make_customer(uow: UnitOfWork, name: str = "Cid", *, email: str | None = None) -> Customer:
    """A customer with an email identity (so replies can go out by email)."""
    address = email or f"{name.lower()}.{next(_serial)}@customer.example"
    customer = Customer(name=name, email=address)
    uow.session.add(customer)
    uow.session.add(ChannelIdentity(customer=customer, kind=IdentityKind.EMAIL, address=address))
    uow.session.flush()
    return customer


def make_request(
    uow: UnitOfWork,
    customer: Customer | None = None,
    *,
    subject: str = "Broken lamp",
    text: str | None = "It flickers since yesterday.",
    channel: str = "email",
    status: Status = Status.NEW,
    assignee: Agent | None = None,
    team: Team | None = None,
) -> ServiceRequest:
    """A request with the customer's first message (`text=None`: no message yet)."""
    request = ServiceRequest(
        subject=subject,
        customer=customer or make_customer(uow),
        channel=channel,
        status=status,
        assignee_id=assignee.id if assignee else None,
        team_id=team.id if team else None,
    )
    uow.session.add(request)
    uow.session.flush()
    if text is not None:
        make_message(uow, request, text)
    return request


def make_message(
    uow: UnitOfWork,
    request: ServiceRequest,
    text: str = "Any news?",
    *,
    direction: Direction = Direction.INBOUND,
    channel: str | None = None,
    author: Agent | None = None,
) -> Message:
    """A message on `request`: the customer's by default, an agent's reply with `author`."""
    outbound = direction == Direction.OUTBOUND
    message = Message(
        request=request,
        direction=direction,
        channel=channel or ("internal" if direction == Direction.NOTE else request.channel),
        external_id=None if outbound else f"m{next(_serial)}@customer.example",
        customer_id=request.customer_id if direction == Direction.INBOUND else None,
        author=author,
        text=text,
        delivery_state=DeliveryState.SENT if outbound else None,
    )
    uow.session.add(message)
    uow.session.flush()
    return message
