"""The resource library pages: list and search, create, detail with versions, edit,
restore, diff, download, delete. Every console role reads; marketing and admins change.

Each change re-writes the resource's internal search article in the same transaction and
re-indexes it on the `knowledge` queue after the commit.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.campaigns.rendering import SAMPLE, TemplateProblem, render_mail
from crm_core.campaigns.resources import library
from crm_core.campaigns.resources.access import may_change, require_change, require_read
from crm_core.campaigns.resources.content import version_diff
from crm_core.campaigns.resources.files import ResourceInvalid
from crm_core.campaigns.resources.library import FileInput
from crm_core.campaigns.resources.models import Resource, ResourceKind, ResourceVersion
from crm_core.campaigns.resources.templates import SLACK_SAMPLE, render_slack_post
from crm_core.campaigns.resources.usage import link_token, use_counts
from crm_core.db import UnitOfWork
from servicedesk.current import container_of
from servicedesk.desk.resource_search import search_resources, sync_resource_document
from servicedesk.web.ids import parse_id
from servicedesk.web.marketing.access import checked_viewer
from servicedesk.web.marketing.blueprint import marketing
from servicedesk.web.marketing.resource_forms import ResourceForm


def resource_viewer(session: Session, *, change: bool = False) -> Viewer:
    """The signed-in agent as a viewer, after checking the library's roles (403 otherwise)."""
    return checked_viewer(session, require_change if change else require_read)


def reindex_after_commit(uow: UnitOfWork, resource: Resource) -> None:
    """Rewrite the resource's search article now; re-index it once the change is committed."""
    article_id = sync_resource_document(uow.session, resource)
    if article_id is not None:
        tasks = container_of().tasks
        uow.after_commit(lambda: tasks.enqueue("knowledge", "index_article", article_id))


def _resource(session: Session, viewer: Viewer, resource_id: int) -> Resource:
    try:
        return library.get_resource(session, viewer, resource_id)
    except LookupError:
        abort(404)


@marketing.get("/resources")
@login_required  # type: ignore[misc]
def resources() -> ResponseReturnValue:
    kind_value = request.args.get("kind") or None
    if kind_value not in {None, *ResourceKind}:
        abort(400, "kind: not a known kind of resource")
    kind = ResourceKind(kind_value) if kind_value else None
    text = (request.args.get("q") or "").strip()[:500]
    container = container_of()
    with container.uow() as uow:
        viewer = resource_viewer(uow.session)
        rows = library.list_resources(uow.session, viewer, kind)
        if text:
            by_id = {r.id: r for r in rows}
            rows = [by_id[i] for i in search_resources(container.knowledge, text) if i in by_id]
        return render_template(
            "marketing/resources.html",
            resources=rows,
            counts=use_counts(uow.session, [r.id for r in rows]),
            kinds=list(ResourceKind),
            kind=kind_value,
            q=text,
            may_change=may_change(viewer),
        )


@marketing.route("/resources/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new_resource() -> ResponseReturnValue:
    return _save(None)


@marketing.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit_resource(resource_id: int) -> ResponseReturnValue:
    return _save(resource_id)


def _save(resource_id: int | None) -> ResponseReturnValue:
    container = container_of()
    form = ResourceForm()
    with container.uow() as uow:
        viewer = resource_viewer(uow.session, change=True)
        if resource_id is not None and not form.is_submitted():
            _fill(form, uow.session, _resource(uow.session, viewer, resource_id))
        elif form.validate_on_submit():
            upload = form.upload()
            file = None
            if upload is not None:
                store, limit = container.attachments, container.config.attachment_max_bytes
                file = FileInput(upload, store, limit)
            try:
                saved = _apply(uow.session, viewer, resource_id, form, file)
                reindex_after_commit(uow, saved)
                uow.commit()
            except (ResourceInvalid, LookupError) as error:
                form.form_errors.append(str(error))
            else:
                flash("Resource saved as a new version.", "ok")
                return redirect(url_for("marketing.resource", resource_id=saved.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "marketing/resource_edit.html", form=form, resource_id=resource_id
    ), status


def _apply(
    session: Session,
    viewer: Viewer,
    resource_id: int | None,
    form: ResourceForm,
    file: FileInput | None,
) -> Resource:
    if resource_id is None:
        return library.create_resource(session, viewer, form.to_draft(), file)
    library.edit_resource(session, viewer, resource_id, form.to_draft(), file)
    return library.get_resource(session, viewer, resource_id)


def _fill(form: ResourceForm, session: Session, resource: Resource) -> None:
    version = library.version_of(session, resource.id)
    form.kind.data = resource.kind.value
    form.title.data, form.description.data = version.title, version.description
    form.tags.data = ", ".join(version.tags)
    form.subject.data, form.body_text.data = version.subject, version.body_text
    form.body_html.data = version.body_html


@marketing.get("/resources/<int:resource_id>")
@login_required  # type: ignore[misc]
def resource(resource_id: int) -> ResponseReturnValue:
    container = container_of()
    with container.uow() as uow:
        viewer = resource_viewer(uow.session)
        row = _resource(uow.session, viewer, resource_id)
        current = library.version_of(uow.session, row.id)
        public_link = None
        if current.sha256:
            token = link_token(container.config.secret_key, row.id)
            public_link = url_for("marketing.resource_link", token=token, _external=True)
        return render_template(
            "marketing/resource.html",
            resource=row,
            current=current,
            versions=library.list_versions(uow.session, row.id),
            counts=use_counts(uow.session, [row.id])[row.id],
            preview=_preview(row, current),
            public_link=public_link,
            may_change=may_change(viewer),
        )


def _preview(resource: Resource, version: ResourceVersion) -> dict[str, str] | None:
    """A template rendered with sample values (HTML sanitised by nh3 in `render_mail`)."""
    try:
        if resource.kind is ResourceKind.EMAIL_TEMPLATE:
            mail = render_mail(version.subject, version.body_text, version.body_html, SAMPLE)
            return {"subject": mail.subject, "text": mail.text, "html": mail.html}
        if resource.kind is ResourceKind.SLACK_TEMPLATE:
            return {"subject": "", "text": render_slack_post(version, SLACK_SAMPLE), "html": ""}
    except TemplateProblem as error:
        return {"subject": "", "text": f"(does not render: {error})", "html": ""}
    return None


@marketing.post("/resources/<int:resource_id>/versions/<int:number>/restore")
@login_required  # type: ignore[misc]
def restore_resource_version(resource_id: int, number: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        viewer = resource_viewer(uow.session, change=True)
        try:
            version = library.restore_version(uow.session, viewer, resource_id, number)
        except LookupError:
            abort(404)
        reindex_after_commit(uow, _resource(uow.session, viewer, resource_id))
        uow.commit()
        flash(f"Version {number} restored as version {version.number}.", "ok")
    return redirect(url_for("marketing.resource", resource_id=resource_id))


@marketing.get("/resources/<int:resource_id>/diff")
@login_required  # type: ignore[misc]
def resource_diff(resource_id: int) -> ResponseReturnValue:
    old, new = parse_id(request.args.get("old")), parse_id(request.args.get("new"))
    if old is None or new is None:
        abort(400, "old, new: two version numbers")
    with container_of().uow() as uow:
        viewer = resource_viewer(uow.session)
        row = _resource(uow.session, viewer, resource_id)
        try:
            diff = version_diff(uow.session, row.id, old, new)
        except LookupError:
            abort(404)
        return render_template(
            "marketing/resource_diff.html", resource=row, diff=diff, old=old, new=new
        )


@marketing.post("/resources/<int:resource_id>/delete")
@login_required  # type: ignore[misc]
def delete_resource(resource_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        viewer = resource_viewer(uow.session, change=True)
        try:
            row = library.delete_resource(uow.session, viewer, resource_id)
        except LookupError:
            abort(404)
        reindex_after_commit(uow, row)
        uow.commit()
        flash(f"{row.title} was removed from the library.", "ok")
    return redirect(url_for("marketing.resources"))
