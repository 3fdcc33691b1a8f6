"""The console's top navigation: groups of links, each shown only to roles that may use it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_login import current_user


@dataclass(frozen=True)
class Link:
    endpoint: str
    label: str
    # Any one of these roles may see the link; empty means every signed-in agent.
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    label: str
    links: tuple[Link, ...]


SELLERS = ("sales", "marketing", "admin")
MARKETERS = ("marketing", "admin")
ADMINS = ("admin",)

# Support first, then the CRM, sales and marketing, then reports and the admin tools.
NAVIGATION: tuple[Group, ...] = (
    Group(
        "Support",
        (
            Link("console.inbox", "Inbox"),
            Link("kb.index", "Knowledge base"),
            Link("portal.search", "Help centre"),
            Link("console.satisfaction", "Satisfaction"),
        ),
    ),
    Group(
        "CRM",
        (
            Link("crm.customers", "Customers"),
            Link("crm.duplicates", "Duplicates"),
            Link("contracts.index", "Contracts", ("agent", "sales", "admin", "read-only")),
        ),
    ),
    Group("Sales", (Link("sales.leads", "Leads", SELLERS), Link("sales.board", "Deals"))),
    Group(
        "Marketing",
        (
            Link("marketing.index", "Campaigns", MARKETERS),
            Link("marketing.workflows", "Workflows", MARKETERS),
            Link("marketing.resources", "Resources"),
        ),
    ),
    Group("Reports", (Link("reports.service", "Reports"),)),
    Group(
        "Admin",
        (
            Link("router.index", "Routing"),
            Link("sla.index", "SLA & automation"),
            Link("mail.mailboxes", "Email", ADMINS),
            Link("slack_admin.users", "Slack", ADMINS),
            Link("crm.roles", "Roles", ADMINS),
            Link("crm.audit_log", "Audit log", ADMINS),
        ),
    ),
)


@dataclass(frozen=True)
class ShownGroup:
    label: str
    links: list[Link]


def navigation_for(app: Flask) -> list[ShownGroup]:
    """The groups with the links this app has and the signed-in agent may use."""
    shown = []
    for group in NAVIGATION:
        links = [
            link
            for link in group.links
            if link.endpoint in app.view_functions and _may_see(link.roles)
        ]
        if links:
            shown.append(ShownGroup(group.label, links))
    return shown


def _may_see(roles: tuple[str, ...]) -> bool:
    if not current_user.is_authenticated:
        return False
    return not roles or any(map(current_user.has_role, roles))
