"""Canned replies: sandboxed Jinja templates filled from the request, customer and agent."""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from servicedesk.desk.models import Agent, ServiceRequest

# No autoescape: the result is plain text for a reply box; the sandbox stops attribute
# tricks (`{{ request.__class__ }}`), and only the plain values below are reachable.
_ENV = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


class MacroError(ValueError):
    """A canned reply cannot be rendered; the message names the placeholder."""


def placeholders(request: ServiceRequest, agent: Agent | None) -> dict[str, Any]:
    customer = request.customer
    return {
        "customer": {
            "name": (customer.name or "") if customer else "",
            "email": (customer.email or "") if customer else "",
        },
        "request": {
            "reference": request.reference,
            "subject": request.subject,
            "status": request.status.value,
            "priority": request.priority.value,
            "category": request.category or "",
        },
        "agent": {"name": agent.name if agent else "", "email": agent.email if agent else ""},
    }


def render_macro(body: str, request: ServiceRequest, agent: Agent | None) -> str:
    """The text of a canned reply for this request."""
    try:
        return _ENV.from_string(body).render(placeholders(request, agent))
    except TemplateError as error:
        raise MacroError(f"canned reply: {error}") from error


def check_macro(body: str) -> None:
    """Refuse a template that does not parse (saved macros always render)."""
    try:
        _ENV.parse(body)
    except TemplateError as error:
        raise MacroError(f"body: {error}") from error
