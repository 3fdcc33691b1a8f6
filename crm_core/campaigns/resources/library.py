"""The resource library's operations: create, edit (a new version each time), restore,
delete, list and read; every one checked for the viewer's roles.

Versions are immutable: an edit or an upload adds one and moves the resource's pointer to
it; restoring an old version adds a copy of it. The caller commits, then re-indexes the
resource for the knowledge search (`servicedesk.desk.resource_search`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.campaigns.resources.access import require_change, require_read
from crm_core.campaigns.resources.files import (
    DEFAULT_MAX_BYTES,
    BlobStore,
    ResourceInvalid,
    Upload,
    check_upload,
)
from crm_core.campaigns.resources.models import Resource, ResourceKind, ResourceVersion
from crm_core.campaigns.resources.templates import check_template_parts
from crm_core.db import utcnow

MAX_TAGS = 20


@dataclass(frozen=True)
class ResourceDraft:
    """What a marketer wrote: the fields, and a template's text (ignored for files)."""

    kind: ResourceKind
    title: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    note: str = ""


@dataclass(frozen=True)
class FileInput:
    """An uploaded file and where its bytes go."""

    upload: Upload
    store: BlobStore
    max_bytes: int = DEFAULT_MAX_BYTES


def create_resource(
    session: Session, viewer: Viewer, draft: ResourceDraft, file: FileInput | None = None
) -> Resource:
    """A new resource with its first version (a file kind needs its file)."""
    require_change(viewer)
    if not draft.kind.is_template and file is None:
        raise ResourceInvalid("file: choose the file to upload")
    resource = Resource(kind=draft.kind, title="", owner_id=viewer.user_id, tags=[])
    session.add(resource)
    session.flush()
    _add_version(session, viewer, resource, draft, file)
    return resource


def edit_resource(
    session: Session,
    viewer: Viewer,
    resource_id: int,
    draft: ResourceDraft,
    file: FileInput | None = None,
) -> ResourceVersion:
    """A new version from the draft; a file kind keeps its file unless a new one comes."""
    require_change(viewer)
    resource = get_resource(session, viewer, resource_id)
    if draft.kind is not resource.kind:
        raise ResourceInvalid("kind: a resource keeps its kind")
    return _add_version(session, viewer, resource, draft, file)


def restore_version(
    session: Session, viewer: Viewer, resource_id: int, number: int
) -> ResourceVersion:
    """Make an old version current again, as a new version copied from it."""
    require_change(viewer)
    resource = get_resource(session, viewer, resource_id)
    old = version_of(session, resource.id, number)
    copy = _copy(old, _next_number(session, resource.id))
    copy.note, copy.author_id = f"restored version {number}", viewer.user_id
    return _make_current(session, resource, copy)


def delete_resource(session: Session, viewer: Viewer, resource_id: int) -> Resource:
    """Take a resource out of the library and the search (versions stay for campaigns)."""
    require_change(viewer)
    resource = get_resource(session, viewer, resource_id)
    resource.deleted_at = utcnow()
    return resource


def get_resource(session: Session, viewer: Viewer, resource_id: int) -> Resource:
    """A resource in the library (LookupError when there is none or it was deleted)."""
    require_read(viewer)
    resource = session.get(Resource, resource_id)
    if resource is None or resource.deleted_at is not None:
        raise LookupError(f"no resource {resource_id}")
    return resource


def list_resources(
    session: Session, viewer: Viewer, kind: ResourceKind | None = None
) -> list[Resource]:
    """The library, newest change first, optionally one kind."""
    require_read(viewer)
    query = select(Resource).where(Resource.deleted_at.is_(None))
    if kind is not None:
        query = query.where(Resource.kind == kind)
    return list(session.scalars(query.order_by(Resource.updated_at.desc(), Resource.id.desc())))


def list_versions(session: Session, resource_id: int) -> list[ResourceVersion]:
    """A resource's versions, newest first."""
    query = select(ResourceVersion).where(ResourceVersion.resource_id == resource_id)
    return list(session.scalars(query.order_by(ResourceVersion.number.desc())))


def version_of(session: Session, resource_id: int, number: int | None = None) -> ResourceVersion:
    """A version by its number, or the current one."""
    if number is None:
        resource = session.get(Resource, resource_id)
        found = session.get(ResourceVersion, resource.current_version_id or 0) if resource else None
    else:
        found = session.scalar(
            select(ResourceVersion).where(
                ResourceVersion.resource_id == resource_id, ResourceVersion.number == number
            )
        )
    if found is None:
        raise LookupError(f"resource {resource_id} has no version {number}")
    return found


def _add_version(
    session: Session,
    viewer: Viewer,
    resource: Resource,
    draft: ResourceDraft,
    file: FileInput | None,
) -> ResourceVersion:
    version = ResourceVersion(
        resource_id=resource.id,
        number=_next_number(session, resource.id),
        title=_title(draft.title),
        description=draft.description.strip(),
        tags=_tags(draft.tags),
        note=draft.note.strip()[:300],
        author_id=viewer.user_id,
    )
    if resource.kind.is_template:
        check_template_parts(resource.kind, draft.subject, draft.body_text, draft.body_html)
        version.subject, version.body_text = draft.subject.strip(), draft.body_text
        version.body_html = draft.body_html if resource.kind is ResourceKind.EMAIL_TEMPLATE else ""
    elif file is not None:
        checked = check_upload(file.upload, file.max_bytes)
        version.sha256 = file.store.save(file.upload.content)
        version.filename, version.content_type = checked.filename, checked.content_type
        version.size = checked.size
    else:
        _keep_file(session, resource, version)
    return _make_current(session, resource, version)


def _keep_file(session: Session, resource: Resource, version: ResourceVersion) -> None:
    previous = version_of(session, resource.id)
    version.filename, version.content_type = previous.filename, previous.content_type
    version.size, version.sha256 = previous.size, previous.sha256


def _make_current(
    session: Session, resource: Resource, version: ResourceVersion
) -> ResourceVersion:
    session.add(version)
    session.flush()
    resource.current_version_id = version.id
    resource.title, resource.description = version.title, version.description
    resource.tags = list(version.tags)
    resource.updated_at = utcnow()
    session.flush()
    return version


_COPIED = (
    *("resource_id", "title", "description", "filename", "content_type"),
    *("size", "sha256", "subject", "body_text", "body_html"),
)


def _copy(old: ResourceVersion, number: int) -> ResourceVersion:
    copied = {name: getattr(old, name) for name in _COPIED}
    return ResourceVersion(**copied, tags=list(old.tags), number=number)


def _next_number(session: Session, resource_id: int) -> int:
    latest = session.scalar(
        select(func.max(ResourceVersion.number)).where(ResourceVersion.resource_id == resource_id)
    )
    return int(latest or 0) + 1


def _title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise ResourceInvalid("title: a resource needs a title")
    if len(cleaned) > 200:
        raise ResourceInvalid("title: at most 200 characters")
    return cleaned


def _tags(tags: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    if len(cleaned) > MAX_TAGS or any(len(t) > 50 for t in cleaned):
        raise ResourceInvalid(f"tags: at most {MAX_TAGS} tags of 50 characters")
    return cleaned
