"""Template resources in the Jinja sandbox: email templates for campaigns, Slack posts.

Email templates are checked and rendered by `crm_core.campaigns.rendering` (the campaign
sandbox). A Slack post is rendered here: the same kind of sandbox, and every value it
prints escaped for Slack's mrkdwn (`&`, `<`, `>`), so a customer's name cannot become a
`<!channel>` mention or a disguised link. Templates see plain data only: anything else in
the context is refused before rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment

from crm_core.campaigns.rendering import TemplateProblem, check_template
from crm_core.campaigns.resources.files import ResourceInvalid
from crm_core.campaigns.resources.models import ResourceKind, ResourceVersion

SLACK_LIMIT = 3000  # characters in one section block of a Slack message
_PLAIN = (str, int, float, bool, type(None))
SLACK_SAMPLE = {
    "campaign": {"name": "Spring offer", "goal": "Win back churned customers"},
    "link": "https://example.com/offer",
    "customer": {"name": "Kim Lee", "first_name": "Kim"},
}


def escape_mrkdwn(value: object) -> object:
    """Slack's three control characters escaped (api.slack.com, "Formatting text")."""
    if isinstance(value, Undefined) or not isinstance(value, str):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK = SandboxedEnvironment(autoescape=False, undefined=Undefined, finalize=escape_mrkdwn)
# Checking is strict: a name the sample lacks is a typo the marketer should hear about.
_CHECK = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, finalize=escape_mrkdwn)


@lru_cache(maxsize=64)
def _compiled(source: str, strict: bool = False) -> Template:
    return (_CHECK if strict else _SLACK).from_string(source)


def plain_data(value: Any, path: str = "context") -> Any:
    """A copy made of dicts, lists and scalars only; raises TypeError on anything else."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain_data(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_data(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{path}: templates take plain data, not {type(value).__name__}")


def render_slack_text(source: str, context: Mapping[str, Any], *, strict: bool = False) -> str:
    """Render a Slack post's text in the sandbox (raises `TemplateProblem`)."""
    values = plain_data(context)
    try:
        text = _compiled(source, strict).render(values)
    except TemplateError as error:  # SecurityError is one
        raise TemplateProblem(str(error)) from error
    return text.strip()[:SLACK_LIMIT]


def render_slack_post(resource_version: ResourceVersion, context: Mapping[str, Any]) -> str:
    """The Slack post of a Slack template's version, rendered with `context` (plain data)."""
    return render_slack_text(resource_version.body_text, context)


def check_template_parts(kind: ResourceKind, subject: str, body_text: str, body_html: str) -> None:
    """Refuse a template that does not compile or reaches for Python internals; the error
    names the field."""
    if kind is ResourceKind.EMAIL_TEMPLATE:
        parts = {"subject": subject, "body_text": body_text, "body_html": body_html}
        if not subject.strip():
            raise ResourceInvalid("subject: an email template needs a subject")
    else:
        parts = {"body_text": body_text}
    if not body_text.strip():
        raise ResourceInvalid("body_text: a template needs its text")
    for field, source in parts.items():
        try:
            if kind is ResourceKind.EMAIL_TEMPLATE:
                check_template(source)
            else:
                render_slack_text(source, SLACK_SAMPLE, strict=True)
        except TemplateProblem as error:
            raise ResourceInvalid(f"{field}: {error}") from error
