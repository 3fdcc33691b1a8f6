"""Campaign mail bodies: marketers' Jinja templates in the sandbox, personalised from a
plain dict, HTML sanitised with nh3 and its links rewritten for click tracking.

The sandbox refuses attribute access to Python internals (`''.__class__.__mro__` raises
`SecurityError`), and templates only ever see plain dicts and strings, never ORM rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

import nh3
from jinja2 import StrictUndefined, Template, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment

from crm_core.customers.models import Customer

_TEXT = SandboxedEnvironment(autoescape=False, undefined=Undefined)
_HTML = SandboxedEnvironment(autoescape=True, undefined=Undefined)
_CHECK = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
_HREF = re.compile(r'href="(https?://[^"]+)"', re.IGNORECASE)


class TemplateProblem(ValueError):
    """A template that does not compile or reaches for something it may not."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def personalisation(customer: Customer) -> dict[str, Any]:
    """The values a template may use, as a plain dict (never the ORM object)."""
    name = (customer.name or "").strip()
    first, _, last = name.partition(" ")
    return {
        "customer": {
            "id": customer.id,
            "name": name,
            "first_name": first or "there",
            "last_name": last,
            "email": customer.email or "",
            "stage": customer.lifecycle_stage.value if customer.lifecycle_stage else "",
        }
    }


SAMPLE = {
    "customer": {
        "id": 1,
        "name": "Kim Lee",
        "first_name": "Kim",
        "last_name": "Lee",
        "email": "kim@example.com",
        "stage": "loyal",
    },
    "unsubscribe_url": "https://example.com/unsubscribe",
}


# What a Slack post or banner template may use (see `announcements.post_values`).
CAMPAIGN_SAMPLE = {"campaign": {"name": "Spring sale", "goal": "Orders from loyal customers"}}


def check_template(source: str, sample: Mapping[str, Any] = SAMPLE) -> None:
    """Raise `TemplateProblem` unless the template renders in the sandbox with sample
    values: a syntax error, an unknown name or a reach for Python internals is refused."""
    try:
        _CHECK.from_string(source).render(sample)
    except TemplateError as error:
        raise TemplateProblem(str(error)) from error


def render_mail(
    subject: str,
    text: str,
    html: str,
    values: Mapping[str, Any],
    link: Callable[[str], str] | None = None,
) -> RenderedMail:
    """Render the three parts; HTML is sanitised, then its http(s) links go through `link`."""
    try:
        rendered_subject = _compiled(False, subject).render(values).strip()
        rendered_text = _compiled(False, text).render(values)
        rendered_html = _compiled(True, html).render(values) if html.strip() else ""
    except TemplateError as error:  # SecurityError is one
        raise TemplateProblem(str(error)) from error
    clean = nh3.clean(rendered_html) if rendered_html else ""
    if link is not None:
        clean = track_links(clean, link)
    return RenderedMail(" ".join(rendered_subject.split()), rendered_text, clean)


def track_links(clean_html: str, link: Callable[[str], str]) -> str:
    """Sanitised HTML with its http(s) links sent through `link` (a tracked redirect)."""
    return _HREF.sub(lambda m: f'href="{escape(link(_unescape(m.group(1))))}"', clean_html)


def render_text(source: str, values: Mapping[str, Any]) -> str:
    """A plain-text template rendered in the sandbox (a Slack post's mrkdwn)."""
    try:
        return _compiled(False, source).render(values)
    except TemplateError as error:
        raise TemplateProblem(str(error)) from error


def render_html(source: str, values: Mapping[str, Any]) -> str:
    """An HTML template rendered in the sandbox (autoescaped), then sanitised with nh3."""
    try:
        rendered = _compiled(True, source).render(values)
    except TemplateError as error:
        raise TemplateProblem(str(error)) from error
    return nh3.clean(rendered)


@lru_cache(maxsize=64)
def _compiled(html: bool, source: str) -> Template:
    """Compiled once per source: compiling costs far more than rendering one recipient."""
    return (_HTML if html else _TEXT).from_string(source)


def template_links(html: str) -> list[str]:
    """The http(s) links a sanitised body points at (what click tracking may redirect to)."""
    return [_unescape(url) for url in _HREF.findall(nh3.clean(html))]


def _unescape(url: str) -> str:
    return url.replace("&amp;", "&")
