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


def check_template(source: str) -> None:
    """Raise `TemplateProblem` unless the template renders in the sandbox with sample
    values: a syntax error, an unknown name or a reach for Python internals is refused."""
    try:
        _CHECK.from_string(source).render(SAMPLE)
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
    if link is not None and clean:
        clean = _HREF.sub(lambda m: f'href="{link(_unescape(m.group(1)))}"', clean)
    return RenderedMail(" ".join(rendered_subject.split()), rendered_text, clean)


@lru_cache(maxsize=64)
def _compiled(html: bool, source: str) -> Template:
    """Compiled once per source: compiling costs far more than rendering one recipient."""
    return (_HTML if html else _TEXT).from_string(source)


def template_links(html: str) -> list[str]:
    """The http(s) links a sanitised body points at (what click tracking may redirect to)."""
    return [_unescape(url) for url in _HREF.findall(nh3.clean(html))]


def _unescape(url: str) -> str:
    return url.replace("&amp;", "&")
