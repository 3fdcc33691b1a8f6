"""Import in the console: upload, map the columns, dry run, then a job with a progress bar."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from crm_core.customers.visibility import NotAllowed, check_crm_user
from crm_core.importing import IMPORT_KINDS, MappingError, UnreadableFile
from crm_core.importing.headers import IGNORE
from crm_core.importing.uploads import (
    ImportUpload,
    UploadRefused,
    UploadStatus,
    choose_mapping,
    column_choices,
    queue_upload,
    register_upload,
    start_dry_run,
    upload_progress,
)
from servicedesk.current import container_of
from servicedesk.jobs import imports_dir
from servicedesk.web.crm.access import current_viewer
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.crm.forms import UndoForm, UploadForm

SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx"}


def _writer_only() -> None:
    """Importing writes customers: CRM roles that may write, never read-only."""
    with container_of().uow() as uow:
        viewer = current_viewer(uow.session)
    try:
        check_crm_user(viewer)
    except NotAllowed:
        abort(403)
    if not viewer.may_write:
        abort(403)


def _directory() -> Path:
    directory = imports_dir(container_of().config)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@crm.get("/import")
@login_required  # type: ignore[misc]
def import_start() -> ResponseReturnValue:
    _writer_only()
    with container_of().uow() as uow:
        recent = uow.session.scalars(
            select(ImportUpload).order_by(ImportUpload.id.desc()).limit(20)
        )
        return render_template("crm/import_start.html", form=UploadForm(), uploads=list(recent))


@crm.post("/import")
@login_required  # type: ignore[misc]
def import_upload() -> ResponseReturnValue:
    _writer_only()
    form = UploadForm()
    if not form.validate_on_submit():
        for name, messages in form.errors.items():
            flash(f"{name}: {'; '.join(messages)}", "error")
        return redirect(url_for("crm.import_start"))
    stored = _store(form.file.data)
    with container_of().uow() as uow:
        try:
            upload = register_upload(
                uow.session, form.kind.data, form.file.data.filename or stored.name, stored,
                f"console:{current_user.email}",
            )  # fmt: skip
        except (UnreadableFile, MappingError) as error:
            stored.unlink(missing_ok=True)
            flash(f"file: {error}", "error")
            return redirect(url_for("crm.import_start"))
        uow.commit()
        return redirect(url_for("crm.import_mapping", upload_id=upload.id))


def _store(file: FileStorage) -> Path:
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        flash("file: expected a .csv or .xlsx file", "error")
        abort(redirect(url_for("crm.import_start")))
    path = _directory() / f"{secrets.token_hex(16)}{suffix}"
    file.save(path)
    return path


def _upload(session, upload_id: int) -> ImportUpload:  # type: ignore[no-untyped-def]
    upload = session.get(ImportUpload, upload_id)
    if upload is None:
        abort(404)
    return upload


def _mapping_page(upload_id: int, status: int = 200) -> ResponseReturnValue:
    with container_of().uow() as uow:
        upload = _upload(uow.session, upload_id)
        return render_template(
            "crm/import_mapping.html",
            upload=upload,
            columns=column_choices(upload, _directory()),
            fields=[IGNORE, *IMPORT_KINDS[upload.kind].aliases],
            report=upload.dry_run,
            form=UndoForm(),
        ), status


@crm.get("/import/<int:upload_id>")
@login_required  # type: ignore[misc]
def import_mapping(upload_id: int) -> ResponseReturnValue:
    _writer_only()
    return _mapping_page(upload_id)


def _save_mapping(upload_id: int) -> str | None:
    """Keep the posted column choices; the error naming the column, if any."""
    if not UndoForm().validate_on_submit():
        abort(400, "csrf_token: the form expired; reload the page")
    fields = {
        request.form.get(f"header_{i}", ""): request.form.get(f"field_{i}", IGNORE)
        for i in range(len(request.form))
        if f"header_{i}" in request.form
    }
    container, directory = container_of(), _directory()

    def save() -> str | None:
        with container.uow() as uow:
            upload = _upload(uow.session, upload_id)
            if upload.status != UploadStatus.UPLOADED:
                return None  # queued or done: the mapping is fixed now
            try:
                choose_mapping(uow.session, upload_id, directory, fields)
            except MappingError as error:
                return f"mapping: {error}"
            uow.commit()
        return None

    # As the process's SQLite writer: the import job writes from another thread, and this
    # read-then-write transaction would otherwise fail with "database is locked".
    return container.write_guard.run(save)


@crm.post("/import/<int:upload_id>/dry-run")
@login_required  # type: ignore[misc]
def import_dry_run(upload_id: int) -> ResponseReturnValue:
    """Queue a dry run (a job: large files take minutes); the mapping page shows it."""
    _writer_only()
    error = _save_mapping(upload_id)
    if error:
        flash(error, "error")
        return _mapping_page(upload_id, status=400)
    container = container_of()

    def start() -> None:
        with container.uow() as uow:
            start_dry_run(uow.session, upload_id)
            uow.after_commit(
                lambda: container.tasks.enqueue("default", "dry_run_import", upload_id)
            )
            uow.commit()

    container.write_guard.run(start)
    return redirect(url_for("crm.import_mapping", upload_id=upload_id))


@crm.post("/import/<int:upload_id>/run")
@login_required  # type: ignore[misc]
def import_run(upload_id: int) -> ResponseReturnValue:
    """Queue the import (again, after an interruption: it resumes where it stopped)."""
    _writer_only()
    error = _save_mapping(upload_id)
    if error:
        flash(error, "error")
        return _mapping_page(upload_id, status=400)
    container = container_of()

    def queue() -> None:
        with container.uow() as uow:
            queue_upload(uow.session, upload_id)
            uow.after_commit(lambda: container.tasks.enqueue("default", "import_upload", upload_id))
            uow.commit()

    try:
        container.write_guard.run(queue)
    except UploadRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("crm.import_progress", upload_id=upload_id))


@crm.get("/import/<int:upload_id>/progress")
@login_required  # type: ignore[misc]
def import_progress(upload_id: int) -> ResponseReturnValue:
    _writer_only()
    with container_of().uow() as uow:
        upload = _upload(uow.session, upload_id)
        return render_template(
            "crm/import_progress.html",
            upload=upload,
            progress=upload_progress(uow.session, upload),
            form=UndoForm(),
        )


@crm.get("/import/<int:upload_id>/status")
@login_required  # type: ignore[misc]
def import_status(upload_id: int) -> ResponseReturnValue:
    """The progress bar polls this."""
    _writer_only()
    with container_of().uow() as uow:
        return jsonify(upload_progress(uow.session, _upload(uow.session, upload_id)))
