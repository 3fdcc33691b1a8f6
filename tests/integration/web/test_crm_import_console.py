"""Import in the console: upload, column mapping, dry run, the job and its progress, and
a resume after an interruption that imports no row twice."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm_core.customers import ChannelIdentity, Customer
from crm_core.db import utcnow
from crm_core.importing import RowSettings, runner
from crm_core.importing.log import ImportRun
from crm_core.importing.uploads import (
    LEASE,
    ImportUpload,
    UploadRefused,
    UploadStatus,
    queue_upload,
    register_upload,
    run_upload,
)
from servicedesk.jobs import crm_row_settings, imports_dir
from tests.integration.web.conftest import csrf_token
from tests.integration.web.test_crm_customer_pages import _add_agent, _client

HEADER = "Vorname,Nachname,E-Mail,Firma,Mobil,Notizen\n"


def _file() -> bytes:
    lines = [HEADER]
    for i in range(1, 601):  # two batches of the job: 500 rows, then 100
        if i % 100 == 0:
            lines.append(f"Bad,Row{i},broken{i}@,Acme,,\n")  # rejected: invalid email
        elif i % 150 == 2:
            lines.append(f"ANNA,MÜLLER,  PERSON{i - 1}@ACME.EXAMPLE ,Acme,,again\n")  # a repeat
        else:
            lines.append(f"Anna,Müller {i},person{i}@acme.example,Acme,+49 151 {10**7 + i},\n")
    return "".join(lines).encode()


def _count(container, model) -> int:  # type: ignore[no-untyped-def]
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _mapping_form(page: str) -> dict[str, str]:
    token = csrf_token(page)
    form = {"csrf_token": token}
    for i, header in enumerate(HEADER.strip().split(",")):
        form[f"header_{i}"] = header
        form[f"field_{i}"] = {"Vorname": "first_name", "Nachname": "last_name",
                              "E-Mail": "email", "Firma": "organisation", "Mobil": "phone"
                              }.get(header, "-")  # fmt: skip
    return form


def test_upload_map_dry_run_run_interrupt_and_resume(agent_client, container, monkeypatch) -> None:
    token = csrf_token(agent_client.get("/crm/import").get_data(as_text=True))
    uploaded = agent_client.post(
        "/crm/import",
        data={"kind": "customers", "file": (io.BytesIO(_file()), "leute.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    mapping_url = uploaded.headers["Location"]
    page = agent_client.get(mapping_url).get_data(as_text=True)
    # Pre-filled by the automatic header mapping; the notes column is skipped.
    assert '<option value="email" selected>' in page
    assert '<option value="first_name" selected>' in page
    assert "600 rows of customers" in page

    form = _mapping_form(page)
    queued = agent_client.post(f"{mapping_url}/dry-run", data=form)  # a job, like the import
    assert queued.status_code == 302 and queued.headers["Location"].endswith(mapping_url)
    dry = agent_client.get(mapping_url).get_data(as_text=True)
    assert "Dry run: nothing was written" in dry
    assert "Rejected rows (6)" in dry and "broken100@" in dry
    counts = re.search(r'class="counts">(.*?)</p>', dry, re.S)
    assert counts is not None
    for figure in ("created: 590", "unchanged: 4", "rejected: 6", "rows: 600"):
        assert figure in counts.group(1)
    assert _count(container, Customer) == 0

    # The job is interrupted after its first batch of 500 rows (a crash, a restart).
    upload_id = int(mapping_url.rsplit("/", 1)[1])
    real_save, calls = runner._save_progress, []

    def crash_on_second_batch(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_save(*args, **kwargs)

    with container.uow() as uow:
        uow.session.get_one(ImportUpload, upload_id).overrides = {
            form[f"header_{i}"]: form[f"field_{i}"] for i in range(6)
        }
        uow.commit()
    monkeypatch.setattr(runner, "_save_progress", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        run_upload(container.uow, upload_id, imports_dir(container.config),
                   crm_row_settings(container.config))  # fmt: skip
    monkeypatch.setattr(runner, "_save_progress", real_save)
    status = agent_client.get(f"{mapping_url}/status").get_json()
    assert status["status"] == "failed" and status["rows_done"] == 500
    assert status["rows_total"] == 600 and 0 < status["percent"] < 100
    assert "worker killed" in status["error"]
    imported_before = _count(container, Customer)
    assert imported_before == 491  # the first batch, committed before the crash

    progress = agent_client.get(f"{mapping_url}/progress").get_data(as_text=True)
    assert "Resume" in progress and 'data-status-url="' in progress
    resumed = agent_client.post(f"{mapping_url}/run", data=form)
    assert resumed.status_code == 302 and resumed.headers["Location"].endswith("/progress")
    status = agent_client.get(f"{mapping_url}/status").get_json()
    assert status["status"] == "finished" and status["percent"] == 100
    assert status["counts"]["created"] == 590 and status["counts"]["rejected"] == 6
    assert status["counts"]["unchanged"] == 4
    assert _count(container, Customer) == 590  # none twice
    assert _count(container, ChannelIdentity) == 590 * 2  # the 4 repeats add nothing
    assert _count(container, ImportRun) == 1
    assert "Resume" not in agent_client.get(f"{mapping_url}/progress").get_data(as_text=True)


def test_a_bad_mapping_names_the_problem_and_read_only_cannot_import(app, container) -> None:
    with container.uow() as uow:
        _add_agent(uow, "ro@desk.example", ["read-only"])
        uow.commit()
    reader = _client(app, "ro@desk.example")
    assert reader.get("/crm/import").status_code == 403
    token = csrf_token(reader.get("/account/password").get_data(as_text=True))
    posted = reader.post("/crm/import", data={"kind": "customers", "csrf_token": token})
    assert posted.status_code == 403
    assert app.test_client().get("/crm/import").status_code == 302  # sign in first


def test_a_running_import_holds_its_lease(container, tmp_path) -> None:
    """A second job for the same upload leaves while the first holds the lease; a job
    that died stops renewing it, and after the lease the upload can be resumed."""
    directory = tmp_path / "imports"
    directory.mkdir()
    path = directory / "f.csv"
    path.write_text("Email\nann@example.com\n", encoding="utf-8")
    with container.uow() as uow:
        upload_id = register_upload(uow.session, "customers", "f.csv", path, "test").id
        uow.commit()
    with container.uow() as uow:  # as if a job had claimed it and died
        upload = uow.session.get_one(ImportUpload, upload_id)
        upload.status, upload.lease_until = UploadStatus.RUNNING, utcnow() + LEASE
        uow.commit()
    run_upload(container.uow, upload_id, directory, RowSettings())
    assert _count(container, Customer) == 0  # the lease is held: nothing ran
    with container.uow() as uow, pytest.raises(UploadRefused, match="still running"):
        queue_upload(uow.session, upload_id)
    with container.uow() as uow:
        queue_upload(uow.session, upload_id, now=utcnow() + LEASE + timedelta(seconds=1))
        uow.commit()
    run_upload(container.uow, upload_id, directory, RowSettings())
    assert _count(container, Customer) == 1
    with container.uow() as uow, pytest.raises(UploadRefused, match="imported already"):
        queue_upload(uow.session, upload_id)


def test_a_dry_run_the_database_refuses_once_is_retried_as_the_writer(
    container, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """SQLite refuses a transaction that read and then writes after another writer
    committed ("database is locked", no busy wait): the job retries it as the process's
    writer, and the upload shows the dry run's result, not that refusal."""
    from sqlalchemy.exc import OperationalError

    from crm_core.importing import uploads
    from servicedesk.crm_jobs import dry_run_import

    directory = imports_dir(container.config)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "f.csv"
    path.write_text("Email\nann@example.com\n", encoding="utf-8")
    with container.uow() as uow:
        upload = register_upload(uow.session, "customers", "f.csv", path, "test")
        upload.dry_run = {"state": "running"}
        uow.commit()
        upload_id, stored = upload.id, directory / upload.stored_name
    path.rename(stored)
    real, calls = uploads.run_import, []

    def refused_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "run_import", refused_once)
    dry_run_import(container, upload_id)
    with container.uow() as uow:
        result = uow.session.get_one(ImportUpload, upload_id).dry_run
    assert len(calls) == 2 and result["state"] == "done", result
