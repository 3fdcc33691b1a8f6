"""Resource files out of the library: the console download and the public signed link.

Both answer with `Content-Disposition: attachment`, the type we stored (never sniffed:
`nosniff`) and a locked-down CSP, so a file is saved, never rendered as our page. Each
download and each fetch through the link counts as a use.
"""

from __future__ import annotations

from flask import Response, abort, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from crm_core.campaigns.resources import library
from crm_core.campaigns.resources.content import file_bytes
from crm_core.campaigns.resources.models import Resource, ResourceVersion, UseKind
from crm_core.campaigns.resources.usage import record_use, resource_of_link
from crm_core.campaigns.tracking import BadToken
from servicedesk.current import container_of
from servicedesk.extensions import limiter
from servicedesk.web.ids import parse_id
from servicedesk.web.marketing.blueprint import marketing
from servicedesk.web.marketing.resource_views import resource_viewer

LINK_LIMIT = "60 per minute"


@marketing.get("/resources/<int:resource_id>/download")
@login_required  # type: ignore[misc]
def download_resource(resource_id: int) -> ResponseReturnValue:
    """The current file, or `?version=N`'s."""
    number_text = request.args.get("version")
    number = parse_id(number_text) if number_text else None
    if number_text and number is None:
        abort(400, "version: a version number")
    container = container_of()
    with container.uow() as uow:
        viewer = resource_viewer(uow.session)
        try:
            resource = library.get_resource(uow.session, viewer, resource_id)
            version = library.version_of(uow.session, resource.id, number)
            content = file_bytes(container.attachments, version)
        except LookupError:
            abort(404)
        record_use(uow.session, version.id, UseKind.DOWNLOAD)
        uow.commit()
        return attachment_response(version, content)


@marketing.get("/r/<token>")
@limiter.limit(LINK_LIMIT)
def resource_link(token: str) -> ResponseReturnValue:
    """The file behind a signed link (in campaign mail or a Slack post); forged: 404."""
    container = container_of()
    with container.uow() as uow:
        try:
            resource = uow.session.get(
                Resource, resource_of_link(container.config.secret_key, token)
            )
            if resource is None or resource.deleted_at is not None:
                raise LookupError("the resource left the library")
            version = library.version_of(uow.session, resource.id)
            content = file_bytes(container.attachments, version)
        except (BadToken, ValueError, LookupError):
            abort(404)
        record_use(uow.session, version.id, UseKind.LINK)
        uow.commit()
        return attachment_response(version, content)


def attachment_response(version: ResourceVersion, content: bytes) -> Response:
    """The bytes as a download under the stored (safe) name and type."""
    response = Response(content, mimetype=version.content_type or "application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=version.filename or "file")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
