"""The resource library on SQLite and PostgreSQL: versions, restore, diff, roles, bad input."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_core.access import AGENT, READ_ONLY, SALES, Viewer
from crm_core.campaigns.resources import library
from crm_core.campaigns.resources.access import NotAllowed
from crm_core.campaigns.resources.content import file_bytes, version_diff
from crm_core.campaigns.resources.files import ResourceInvalid, Upload
from crm_core.campaigns.resources.library import FileInput
from crm_core.campaigns.resources.models import ResourceKind, ResourceVersion
from tests.integration.resources.helpers import (
    EMAIL,
    MARKETER,
    PDF,
    pdf_file,
    store_in,
    white_paper,
)


def test_every_edit_is_a_new_version_and_restore_copies_an_old_one(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        resource = library.create_resource(uow.session, MARKETER, EMAIL)
        first_id = resource.current_version_id
        edited = replace(EMAIL, subject="Spring is here, {{ customer.first_name }}", note="new")
        second = library.edit_resource(uow.session, MARKETER, resource.id, edited)
        uow.commit()
        resource_id = resource.id
    with uow_factory() as uow:
        old = uow.session.get(ResourceVersion, first_id)
        assert old.number == 1 and old.subject == EMAIL.subject  # the old version is untouched
        assert old.tags == ["newsletter", "spring"]  # trimmed, lowercased, once each
        restored = library.restore_version(uow.session, MARKETER, resource_id, 1)
        uow.commit()
        assert (second.number, restored.number) == (2, 3)
        current = library.version_of(uow.session, resource_id)
        assert current.id == restored.id and current.subject == EMAIL.subject
        assert current.note == "restored version 1"
        diff = version_diff(uow.session, resource_id, 2, 3)
        assert "-subject: Spring is here" in diff and "+subject: Spring news" in diff
        numbers = [v.number for v in library.list_versions(uow.session, resource_id)]
        assert numbers == [3, 2, 1]


def test_a_file_version_keeps_its_bytes_and_an_edit_without_upload_keeps_the_file(
    uow_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store = store_in(tmp_path)
    with uow_factory() as uow:
        resource = library.create_resource(uow.session, MARKETER, white_paper(), pdf_file(store))
        library.edit_resource(uow.session, MARKETER, resource.id, white_paper("Renamed"))
        newer = PDF + b"% second edition\n"
        library.edit_resource(
            uow.session, MARKETER, resource.id, white_paper(), pdf_file(store, newer)
        )
        uow.commit()
        first, second, third = sorted(
            library.list_versions(uow.session, resource.id), key=lambda v: v.number
        )
        assert first.sha256 == second.sha256 != third.sha256
        assert second.title == "Renamed" and resource.title == "Zero-downtime migrations"
        assert file_bytes(store, first) == PDF and file_bytes(store, third) == newer
        assert third.filename == "paper.pdf" and third.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (Upload("paper.pdf", b""), "file: the file is empty"),
        (Upload("paper.pdf", b"%PDF-" + b"x" * 2000), "file: 2005 bytes is over the 1000 limit"),
        (Upload("run.exe", b"MZ..."), "file: .exe is not one of"),
        (Upload("paper.pdf", b"<html>not a pdf</html>"), "file: the content is not a .pdf file"),
        (Upload("notes.txt", b"\xff\xfe\x00binary"), "file: the content is not .txt text"),
    ],
)
def test_bad_uploads_are_refused_naming_the_field(
    uow_factory, tmp_path: Path, upload: Upload, message: str
) -> None:  # type: ignore[no-untyped-def]
    store = store_in(tmp_path, max_bytes=1000)
    with uow_factory() as uow, pytest.raises(ResourceInvalid, match=message):
        library.create_resource(
            uow.session, MARKETER, white_paper(), FileInput(upload, store, 1000)
        )
    assert not (tmp_path / "attachments").exists()  # nothing refused was stored


def test_bad_fields_and_templates_are_refused_naming_the_field(uow_factory) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "title: a resource needs a title": replace(EMAIL, title="  "),
        "subject: an email template needs a subject": replace(EMAIL, subject=""),
        "body_text: ": replace(EMAIL, body_text="{% for %}"),
        "body_html: ": replace(EMAIL, body_html="{{ ''.__class__.__mro__ }}"),
        "tags: at most 20": replace(EMAIL, tags=[f"t{n}" for n in range(21)]),
        "file: choose the file": white_paper(),
    }
    for message, draft in cases.items():
        with uow_factory() as uow, pytest.raises(ResourceInvalid, match=message):
            library.create_resource(uow.session, MARKETER, draft)


def test_marketing_and_admins_change_the_library_everyone_in_the_console_reads_it(
    uow_factory,
) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        resource_id = library.create_resource(uow.session, MARKETER, EMAIL).id
        uow.commit()
    for role in (AGENT, SALES, READ_ONLY):
        reader = Viewer(user_id=3, roles=frozenset({role}))
        with uow_factory() as uow:
            assert library.get_resource(uow.session, reader, resource_id).title == EMAIL.title
            with pytest.raises(NotAllowed):
                library.edit_resource(uow.session, reader, resource_id, EMAIL)
            with pytest.raises(NotAllowed):
                library.create_resource(uow.session, reader, EMAIL)
            with pytest.raises(NotAllowed):
                library.delete_resource(uow.session, reader, resource_id)
    with uow_factory() as uow, pytest.raises(NotAllowed):
        library.list_resources(uow.session, Viewer(user_id=4, roles=frozenset()))


def test_deleted_resources_leave_the_library_but_keep_their_versions(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        kept = library.create_resource(uow.session, MARKETER, replace(EMAIL, title="Kept")).id
        gone = library.create_resource(uow.session, MARKETER, EMAIL)
        library.delete_resource(uow.session, MARKETER, gone.id)
        uow.commit()
        listed = library.list_resources(uow.session, MARKETER, ResourceKind.EMAIL_TEMPLATE)
        assert [r.id for r in listed] == [kept]
        with pytest.raises(LookupError):
            library.get_resource(uow.session, MARKETER, gone.id)
        versions = select(ResourceVersion.id).where(ResourceVersion.resource_id == gone.id)
        assert len(uow.session.scalars(versions).all()) == 1
        with pytest.raises(ResourceInvalid, match="kind: a resource keeps its kind"):
            library.edit_resource(
                uow.session, MARKETER, kept, replace(EMAIL, kind=ResourceKind.SLACK_TEMPLATE)
            )
