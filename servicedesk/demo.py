"""Demo data for `servicedesk demo`: agents, teams and requests from every channel (Slack's
is a recorded conversation received through the intake door: servicedesk.demo_slack).

Loading twice changes nothing: agents and teams are looked up first, and messages carry
fixed provider ids, so the desk's own dedupe makes a second intake a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import select

from channels.messages import InboundMessage, Sender
from crm_core.db import UnitOfWork, utcnow
from knowledge.importing import import_articles
from servicedesk.demo_crm import load_crm_demo
from servicedesk.desk.accounts import create_agent, find_agent
from servicedesk.desk.models import Agent, Priority, ServiceRequest, Team
from servicedesk.desk.operations import (
    add_note,
    assign_request,
    post_reply,
    receive_inbound,
    update_request,
)
from servicedesk.desk.ports import RequestRouter
from servicedesk.desk.routing.dataset import read_labelled_csv
from servicedesk.desk.routing.service import CategoryService
from servicedesk.desk.routing.versions import VersionInfo
from servicedesk.desk.sla.admin import load_setup_file
from servicedesk.desk.sla.service import refresh_request_sla
from servicedesk.desk.sla.sweep import sweep_due_events

# Labelled examples written for the demo, one category per help-centre category; the
# router learns them at the demo's first start (about a second once the model is loaded).
ROUTER_EXAMPLES = Path(__file__).parent / "demo_data" / "router_examples.csv"
DEMO_CATEGORIES = ["Account", "Billing", "Orders", "Outage", "Sales"]

ADMIN = ("admin@demo.local", "demo-admin", "Ada Admin", ["admin", "agent", "reviewer"])
AGENT = ("agent@demo.local", "demo-agent", "Alex Agent", ["agent"])

DEMO_MESSAGES = [
    (
        "email",
        "demo-1@customer.example",
        Sender("email", "maria@customer.example", "Maria Rossi"),
        "Invoice charged twice",
        "Hi, my card was charged twice for invoice 2291. Can you refund one?",
    ),
    (
        "webchat",
        "demo-chat-1",
        Sender("webchat", "visitor-7f3a", "Jonas"),
        None,
        "Hello! How do I reset my password? The link in the email has expired.",
    ),
    (
        "portal",
        "demo-portal-1",
        Sender("portal", "li.wei@shop.example", "Li Wei"),
        "Return a damaged item",
        "The lamp in order 55812 arrived broken. How do I return it?",
    ),
    (
        "email",
        "demo-2@customer.example",
        Sender("email", "tom@startup.example", "Tom Berg"),
        "Upgrade to the team plan",
        "We are 12 people now. What would the team plan cost per year?",
    ),
]


DEMO_ARTICLES = [
    {
        "_id": "demo-reset-password",
        "title": "Reset your password",
        "category": "Account",
        "text": "Open **Settings → Security** and choose *Forgot password*. The reset link in the "
        "email is valid for 24 hours; request a new one if it has expired.",
    },
    {
        "_id": "demo-double-charge",
        "title": "I was charged twice",
        "category": "Billing",
        "text": "A second charge for the same invoice is refunded automatically within five "
        "working days. If it is older than that, reply with the invoice number.",
    },
    {
        "_id": "demo-returns",
        "title": "Return a damaged item",
        "category": "Orders",
        "text": "Take a photo of the damage, open the order in your account and choose "
        "*Return item*. We email a prepaid label; refunds follow once it arrives.",
    },
    {
        "_id": "demo-status-502",
        "title": "Dashboard shows error 502",
        "category": "Outage",
        "text": "Error 502 means the dashboard cannot reach its backend. Check the status page; "
        "if it reports no incident, clear the browser cache and try again.",
    },
    {
        "_id": "demo-plans",
        "title": "Team plan pricing",
        "category": "Sales",
        "text": "The team plan costs 8 per user per month, billed yearly, with volume "
        "discounts from 25 users. Sales can prepare a quote.",
    },
]


def load_articles(make_uow: Callable[[], UnitOfWork], knowledge: ArticleIndexer) -> int:
    """Import the demo help articles (idempotent) and index what changed."""
    with make_uow() as uow:
        report = import_articles(uow.session, DEMO_ARTICLES)
        uow.commit()
    if report.changed_ids:
        knowledge.index_articles(report.changed_ids)
    return report.total


def train_router(service: CategoryService) -> VersionInfo | None:
    """Train the demo's category model unless a version is active already (then None)."""
    if service.store.active_version() is not None:
        return None
    texts, labels = read_labelled_csv(ROUTER_EXAMPLES, "text", "category")
    return service.train(texts, labels)


class ArticleIndexer(Protocol):
    def index_articles(self, article_ids: list[int]) -> None: ...


def load_demo(make_uow: Callable[[], UnitOfWork], router: RequestRouter | None = None) -> list[str]:
    """Create the demo data (idempotent) and return the sign-in lines to print."""
    with make_uow() as uow:
        admin_id, agent_id = (_ensure_agent(uow, *spec) for spec in (ADMIN, AGENT))
        team = _ensure_team(uow, "Support", [admin_id, agent_id], DEMO_CATEGORIES)
        # Requests the router cannot place with confidence wait here for a human.
        _ensure_team(uow, "Triage", [admin_id, agent_id])
        uow.commit()
    with make_uow() as uow:
        load_setup_file(uow.session, DEMO_SLA)
        uow.commit()
    for index, (channel, external_id, sender, subject, text) in enumerate(DEMO_MESSAGES):
        with make_uow() as uow:
            message = InboundMessage(
                channel=channel,  # type: ignore[arg-type]
                external_id=external_id,
                sender=sender,
                subject=subject,
                text=text,
                thread_key=external_id if channel == "webchat" else None,
                received_at=utcnow() - timedelta(hours=len(DEMO_MESSAGES) - index),
            )
            result = receive_inbound(uow, message, router=router)
            if result.outcome == "created":
                _work_on(uow, result.request_id, index, agent_id, team)
                _age_for_sla(uow, result.request_id, DEMO_SLA_AGES.get(external_id))
            uow.commit()
    from servicedesk.demo_leads import load_demo_leads

    rep_line = load_demo_leads(make_uow, _ensure_team)
    customer_id = load_crm_demo(make_uow, router)
    sweep_due_events(make_uow, utcnow())  # the breached one escalates now, not in 30 s
    return [
        f"  admin  {ADMIN[0]} / {ADMIN[1]}",
        f"  agent  {AGENT[0]} / {AGENT[1]}",
        rep_line,
        f"  a customer's 360 page: /crm/customers/{customer_id}",
    ]


# A business-hours policy for mail and the help centre; chat and Slack run 24/7. Two
# requests are aged so that one is about to breach and one has breached.
DEMO_SLA = {
    "calendars": [
        {
            "name": "Support hours",
            "timezone": "Europe/Berlin",
            "hours": {
                "mon": "09:00-12:30, 13:30-18:00",
                "tue": "09:00-12:30, 13:30-18:00",
                "wed": "09:00-12:30, 13:30-18:00",
                "thu": "09:00-12:30, 13:30-18:00",
                "fri": "09:00-16:00",
            },
            "holidays": ["01-01", "12-25", "12-26"],
        }
    ],
    "policies": [
        {
            # The demo's service contract (servicedesk.demo_contracts) buys gold support.
            "name": "Contract gold",
            "conditions": [
                {"fact": "contract.sla_tier", "op": "equals", "value": "gold"},
                {"fact": "channel", "op": "in", "value": ["email", "portal"]},
            ],
            "calendar": "24/7",
            "targets": {
                "low": {"first_response": 240, "next_response": 240, "resolution": 1440},
                "normal": {"first_response": 120, "next_response": 120, "resolution": 960},
                "high": {"first_response": 60, "next_response": 60, "resolution": 480},
                "urgent": {"first_response": 30, "next_response": 30, "resolution": 240},
            },
        },
        {
            "name": "Live channels",
            "conditions": [{"fact": "channel", "op": "in", "value": ["webchat", "slack"]}],
            "calendar": "24/7",
            "warn_before_minutes": 15,
            "targets": {
                "low": {"first_response": 120, "next_response": 60, "resolution": 1440},
                "normal": {"first_response": 60, "next_response": 30, "resolution": 480},
                "high": {"first_response": 30, "next_response": 15, "resolution": 240},
                "urgent": {"first_response": 30, "next_response": 10, "resolution": 240},
            },
        },
        {
            "name": "Business hours",
            "calendar": "Support hours",
            "targets": {
                "low": {"first_response": 960, "next_response": 960, "resolution": 4800},
                "normal": {"first_response": 480, "next_response": 480, "resolution": 2400},
                "high": {"first_response": 240, "next_response": 240, "resolution": 960},
                "urgent": {"first_response": 60, "next_response": 60, "resolution": 480},
            },
        },
    ],
}
# How long ago these demo requests opened: the chat nears its hour, the outage is late.
DEMO_SLA_AGES = {"demo-chat-1": timedelta(minutes=50), "demo-slack-1": timedelta(hours=2)}


def _age_for_sla(uow: UnitOfWork, request_id: int, age: timedelta | None) -> None:
    if age is None:
        return
    session = uow.session
    request = session.get(ServiceRequest, request_id)
    assert request is not None
    opened = utcnow() - age
    request.created_at = opened
    for message in request.messages:
        message.created_at = opened
    refresh_request_sla(session, request, utcnow())


def _ensure_agent(uow: UnitOfWork, email: str, password: str, name: str, roles: list[str]) -> int:
    existing = find_agent(uow.session, email)
    if existing is not None:
        return existing.id
    return create_agent(uow.session, email, password, name=name, roles=roles).id


def _ensure_team(
    uow: UnitOfWork, name: str, member_ids: list[int], categories: list[str] | None = None
) -> int:
    team = uow.session.scalars(select(Team).where(Team.name == name)).one_or_none()
    if team is None:
        team = Team(name=name, categories=categories or [])
        team.members = [a for a in (uow.session.get(Agent, i) for i in member_ids) if a]
        uow.session.add(team)
        uow.session.flush()
    elif categories and not team.categories:  # demo instances loaded before the router
        team.categories = categories
    return team.id


def _work_on(uow: UnitOfWork, request_id: int, index: int, agent_id: int, team_id: int) -> None:
    """Give some demo requests an owner, a reply and a note, so every state shows."""
    if index == 0:
        assign_request(uow, request_id, agent_id, team_id=team_id, agent_id=agent_id)
        update_request(uow, request_id, agent_id, priority=Priority.HIGH, category="Billing")
        post_reply(
            uow, request_id, agent_id, "Sorry about that, Maria. I am checking the charge now."
        )
        add_note(
            uow, request_id, agent_id, "Payment provider shows two captures; refund the second."
        )


def mark_outage(make_uow: Callable[[], UnitOfWork], request_ids: list[int]) -> None:
    """The Slack conversation (servicedesk.demo_slack) reports an outage: urgent, and
    opened two hours ago, so its first response is the demo's breached SLA."""
    with make_uow() as uow:
        agent = find_agent(uow.session, AGENT[0])
        for request_id in request_ids:
            if agent is not None:
                update_request(
                    uow, request_id, agent.id, priority=Priority.URGENT, category="Outage"
                )
            _age_for_sla(uow, request_id, DEMO_SLA_AGES["demo-slack-1"])
        uow.commit()
    sweep_due_events(make_uow, utcnow())  # it escalates now, not at the next sweep
