"""Reading versions: the diff between two, a template pinned by a campaign, a file's bytes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.campaigns.models import Variant
from crm_core.campaigns.resources.files import BlobStore, ResourceInvalid
from crm_core.campaigns.resources.library import version_of
from crm_core.campaigns.resources.models import Resource, ResourceKind, ResourceVersion


@dataclass(frozen=True)
class EmailTemplate:
    """An email template version's three parts, as a campaign variant takes them."""

    version_id: int
    subject: str
    body_text: str
    body_html: str


def version_diff(session: Session, resource_id: int, old_number: int, new_number: int) -> str:
    """A unified diff of two versions' fields and template text."""
    old = version_of(session, resource_id, old_number)
    new = version_of(session, resource_id, new_number)
    lines = difflib.unified_diff(
        _lines(old),
        _lines(new),
        fromfile=f"version {old_number}",
        tofile=f"version {new_number}",
        lineterm="",
    )
    return "\n".join(lines)


def _lines(version: ResourceVersion) -> list[str]:
    lines = [f"title: {version.title}", f"tags: {', '.join(version.tags)}"]
    lines += ["description:", *version.description.splitlines()]
    if version.filename:
        lines.append(f"file: {version.filename} ({version.size} bytes, {version.sha256})")
    if version.subject:
        lines.append(f"subject: {version.subject}")
    lines += ["text:", *version.body_text.splitlines()]
    if version.body_html:
        lines += ["html:", *version.body_html.splitlines()]
    return lines


def email_template(session: Session, version_id: int) -> EmailTemplate:
    """The parts of an email template version a campaign pins (ResourceInvalid otherwise)."""
    version = session.get(ResourceVersion, version_id)
    resource = session.get(Resource, version.resource_id) if version else None
    if version is None or resource is None or resource.kind is not ResourceKind.EMAIL_TEMPLATE:
        raise ResourceInvalid(f"template: {version_id} is not an email template version")
    return EmailTemplate(version.id, version.subject, version.body_text, version.body_html)


def file_bytes(store: BlobStore, version: ResourceVersion) -> bytes:
    """The version's file (LookupError for a template or missing bytes)."""
    if not version.sha256:
        raise LookupError(f"version {version.number} has no file")
    try:
        return store.read(version.sha256)
    except FileNotFoundError as error:
        raise LookupError(f"the file of version {version.number} is missing") from error


def pinned_templates(session: Session, campaign_id: int) -> list[tuple[str, ResourceVersion]]:
    """The campaign's variants made from a library template: (label, pinned version)."""
    rows = session.execute(
        select(Variant.label, ResourceVersion)
        .join(ResourceVersion, ResourceVersion.id == Variant.template_version_id)
        .where(Variant.campaign_id == campaign_id)
        .order_by(Variant.label)
    ).all()
    return [(label, version) for label, version in rows]
