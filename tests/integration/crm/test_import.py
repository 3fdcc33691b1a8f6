"""Importing customers and organisations from CSV and XLSX, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm_core.customers import ChannelIdentity, Customer, Organization
from crm_core.importing import (
    IMPORT_KINDS,
    ImportOptions,
    ImportRejection,
    ImportRun,
    MappingError,
    RowSettings,
    parse_overrides,
    run_import,
)
from crm_core.importing.log import RunStatus
from crm_core.normalise import DateOrder
from crm_core.organisations import domains_of

CUSTOMERS = IMPORT_KINDS["customers"]
ORGANISATIONS = IMPORT_KINDS["organisations"]
DE = RowSettings(region="DE", date_order=DateOrder.DAY_FIRST)


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, delimiter=delimiter).writerows(rows)
    return path


def count(uow_factory, model) -> int:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_german_headers_are_recognised_and_values_standardised(uow_factory, tmp_path) -> None:
    path = write_csv(
        tmp_path / "kunden.csv",
        [
            ["Vorname", "Nachname", "E-Mail-Adresse", "Telefonnummer", "Firma", "Kunde seit"],
            ["  Jürgen ", "Müller", "J.Mueller@Acme.DE", "030 901820", "Acme GmbH", "05.03.2024"],
        ],
        delimiter=";",
    )
    report = run_import(uow_factory, CUSTOMERS, path, ImportOptions(settings=DE, started_by="t"))
    assert report.mapping == {
        "first_name": "Vorname",
        "last_name": "Nachname",
        "email": "E-Mail-Adresse",
        "phone": "Telefonnummer",
        "organisation": "Firma",
        "customer_since": "Kunde seit",
    }
    assert dict(report.counts) == {"rows": 1, "created": 1, "organisations_created": 1}
    with uow_factory() as uow:
        customer = uow.session.scalars(select(Customer)).one()
        assert (customer.name, customer.email, customer.phone) == (
            "Jürgen Müller",
            "j.mueller@acme.de",
            "+4930901820",
        )
        assert customer.customer_since is not None
        assert customer.customer_since.isoformat() == "2024-03-05"
        assert customer.organization is not None
        assert customer.organization.name == "Acme GmbH"
        assert domains_of(uow.session, customer.organization) == ["acme.de"]
        kinds = {(i.kind.value, i.shown_address) for i in customer.identities}
        assert kinds == {("email", "j.mueller@acme.de"), ("phone", "+4930901820")}


@pytest.mark.parametrize(
    "headers",
    [
        ["Name", "Email address", "Phone number", "Company"],
        ["Nom complet", "Courriel", "Téléphone", "Société"],
        ["Nombre completo", "Correo electrónico", "Teléfono", "Empresa"],
        ["姓名", "电子邮件", "电话", "公司"],
    ],
)
def test_headers_in_five_languages_map_without_being_told(headers, uow_factory, tmp_path) -> None:
    path = write_csv(tmp_path / "c.csv", [headers, ["Ann Lee", "ann@lee.example", "", "Lee"]])
    report = run_import(uow_factory, CUSTOMERS, path, ImportOptions(dry_run=True))
    assert set(report.mapping) == {"name", "email", "phone", "organisation"}
    assert report.counts["created"] == 1


def test_map_overrides_and_ignores_columns(uow_factory, tmp_path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [["Kontakt", "Mail privat", "Mail"], ["Ann", "ann@home.example", "ann@work.example"]],
    )
    overrides = parse_overrides(["Kontakt=name", "Mail privat=email", "Mail=-"])
    report = run_import(uow_factory, CUSTOMERS, path, ImportOptions(overrides=overrides))
    assert report.mapping == {"name": "Kontakt", "email": "Mail privat"}
    assert report.ignored_columns == ["Mail"]
    with uow_factory() as uow:
        assert uow.session.scalars(select(Customer.email)).all() == ["ann@home.example"]


@pytest.mark.parametrize(
    ("headers", "overrides", "message"),
    [
        (["Name", "Company"], [], "no column for email or phone"),
        (["Email", "E-Mail"], [], "both hold email"),
        (["Email"], ["Nope=email"], "does not have"),
        (["Email"], ["Email=colour"], "unknown field"),
    ],
)
def test_a_mapping_that_cannot_work_is_refused_before_any_write(
    headers, overrides, message, uow_factory, tmp_path
) -> None:
    path = write_csv(tmp_path / "c.csv", [headers, ["x"] * len(headers)])
    options = ImportOptions(overrides=parse_overrides(overrides))
    with pytest.raises(MappingError, match=message):
        run_import(uow_factory, CUSTOMERS, path, options)
    assert count(uow_factory, ImportRun) == 0


def test_every_rejected_row_is_reported_with_its_number_and_reason(uow_factory, tmp_path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["Name", "Email", "Phone", "VIP", "Customer since"],
            ["Ok", "ok@example.com", "", "yes", ""],
            ["Bad mail", "not-an-email", "", "", ""],
            ["Bad phone", "", "12", "", ""],
            ["Nothing", "", "", "", ""],
            ["Choice", "c@example.com", "", "maybe", "31/02/2024"],
        ],
    )
    report = run_import(uow_factory, CUSTOMERS, path, ImportOptions(settings=DE, dry_run=True))
    assert dict(report.counts) == {"rows": 5, "created": 1, "rejected": 4}
    assert [(r.row_number, r.field) for r in report.rejected] == [
        (3, "email"),
        (4, "phone"),
        (5, "email or phone"),
        (6, "vip"),
        (6, "customer_since"),
    ]
    assert "unknown choice" in report.rejected[3].reason
    assert "no such date" in report.rejected[4].reason
    assert count(uow_factory, Customer) == 0  # a dry run writes nothing
    assert count(uow_factory, ImportRun) == 0


def test_a_run_is_logged_with_counts_rejections_who_and_when(uow_factory, tmp_path) -> None:
    path = write_csv(
        tmp_path / "c.csv", [["Email"], ["a@example.com"], ["broken"], ["A@EXAMPLE.com"]]
    )
    report = run_import(uow_factory, CUSTOMERS, path, ImportOptions(started_by="cli:jane"))
    assert dict(report.counts) == {"rows": 3, "created": 1, "unchanged": 1, "rejected": 1}
    with uow_factory() as uow:
        run = uow.session.scalars(select(ImportRun)).one()
        assert (run.file_name, run.started_by, run.status) == ("c.csv", "cli:jane", "finished")
        assert run.counts == dict(report.counts)
        assert run.finished_at is not None
        assert run.checkpoint_row == 4
        rejection = uow.session.scalars(select(ImportRejection)).one()
        assert (rejection.row_number, rejection.field, rejection.value) == (3, "email", "broken")


def test_an_interrupted_import_resumes_without_duplicates(uow_factory, tmp_path) -> None:
    rows = [["Email", "Phone"]] + [[f"p{i}@example.com", ""] for i in range(25)]
    path = write_csv(tmp_path / "c.csv", rows)

    def crash_at_row_17(session, record, context):  # type: ignore[no-untyped-def]
        if record.email == "p15@example.com":  # file row 17
            raise KeyboardInterrupt
        return CUSTOMERS.apply(session, record, context)

    crashing = replace(CUSTOMERS, apply=crash_at_row_17)
    options = ImportOptions(batch_size=10, started_by="t")
    with pytest.raises(KeyboardInterrupt):
        run_import(uow_factory, crashing, path, options)
    assert count(uow_factory, Customer) == 10  # the first batch committed, the second not
    report = run_import(uow_factory, CUSTOMERS, path, options)
    assert report.resumed_after_row == 11
    assert dict(report.counts) == {"rows": 25, "created": 25}
    assert count(uow_factory, Customer) == 25
    assert count(uow_factory, ChannelIdentity) == 25
    with uow_factory() as uow:
        runs = uow.session.scalars(select(ImportRun)).all()
        assert [(r.status, r.checkpoint_row) for r in runs] == [(RunStatus.FINISHED, 26)]
    again = run_import(uow_factory, CUSTOMERS, path, options)  # a finished file: a new run
    assert dict(again.counts) == {"rows": 25, "unchanged": 25}
    assert count(uow_factory, Customer) == 25


def test_xlsx_cells_keep_their_types(uow_factory, tmp_path) -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["E-mail", "Mobile", "Customer since", "VIP"])
    sheet.append(["ann@example.com", 301234567.0, datetime(2023, 1, 2, 9, 0), True])
    sheet.append([None, None, None, None])
    sheet.append(["bob@example.com", "+33 1 42 68 53 00", "2 janvier 2023", "non"])
    book.save(tmp_path / "c.xlsx")
    report = run_import(uow_factory, CUSTOMERS, tmp_path / "c.xlsx", ImportOptions(settings=DE))
    assert dict(report.counts) == {"rows": 2, "created": 2}
    with uow_factory() as uow:
        people = uow.session.scalars(select(Customer).order_by(Customer.email)).all()
        assert [(c.phone, str(c.customer_since), c.vip) for c in people] == [
            ("+49301234567", "2023-01-02", True),
            ("+33142685300", "2023-01-02", False),
        ]


def test_organisations_import_with_domains_and_tiers(uow_factory, tmp_path) -> None:
    path = write_csv(
        tmp_path / "orgs.csv",
        [
            ["Company", "Website", "Tier", "Address"],
            ["Acme", "https://www.acme.com, acme.de", "Enterprise", "1 Main St"],
            ["ACME", "acme.co.uk", "", ""],
            ["Globex", "gmail.com", "", ""],
            ["Initech", "acme.com", "gold", ""],
            ["", "nobody.example", "", ""],
        ],
    )
    report = run_import(uow_factory, ORGANISATIONS, path, ImportOptions())
    assert dict(report.counts) == {"rows": 5, "created": 1, "updated": 1, "rejected": 3}
    assert [(r.row_number, r.field) for r in report.rejected] == [
        (4, "domain"),
        (5, "tier"),
        (6, "name"),
    ]
    assert "free-mail" in report.rejected[0].reason
    with uow_factory() as uow:
        acme = uow.session.scalars(select(Organization)).one()
        assert (acme.name, acme.tier, acme.address) == ("Acme", "enterprise", "1 Main St")
        assert domains_of(uow.session, acme) == ["acme.com", "acme.de", "acme.co.uk"]


def test_customers_land_in_the_organisation_of_their_company_domain(uow_factory, tmp_path) -> None:
    orgs = write_csv(tmp_path / "o.csv", [["Company", "Domain"], ["Acme", "acme.com"]])
    run_import(uow_factory, ORGANISATIONS, orgs, ImportOptions())
    people = write_csv(
        tmp_path / "p.csv", [["Email"], ["jane@acme.com"], ["joe@gmail.com"], ["x@other.org"]]
    )
    run_import(uow_factory, CUSTOMERS, people, ImportOptions())
    with uow_factory() as uow:
        query = select(Customer.email, Organization.name).outerjoin(Customer.organization)
        placed = dict(uow.session.execute(query.order_by(Customer.email)).all())
    assert placed == {"jane@acme.com": "Acme", "joe@gmail.com": None, "x@other.org": None}


def test_tags_tier_and_owner_are_imported_and_never_overwrite_what_is_there(
    uow_factory, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from crm_core.customers import IdentityKind
    from crm_core.customers.identities import new_identity
    from crm_core.customers.operations import tags_of

    with uow_factory() as uow:
        known = Customer(name="Known", email="known@acme.example", tier="premium", owner_id=7)
        uow.session.add(known)
        new_identity(uow.session, known, IdentityKind.EMAIL, "known@acme.example")
        uow.commit()
    path = write_csv(
        tmp_path / "accounts.csv",
        [
            ["Email", "Tags", "Tier", "Account owner"],
            ["ann@acme.example", "VIP; beta | vip", "Enterprise", "Rita@Desk.example"],
            ["known@acme.example", "beta", "enterprise", "rita@desk.example"],
            ["bob@acme.example", "", "gold", "nobody@desk.example"],
        ],
    )
    settings = replace(DE, owners={"rita@desk.example": 3})
    report = run_import(uow_factory, CUSTOMERS, path, ImportOptions(settings=settings))
    assert {"tags": "Tags", "tier": "Tier", "owner": "Account owner"}.items() <= (
        report.mapping.items()
    )
    assert (report.counts["created"], report.counts["updated"], report.counts["rejected"]) == (
        1, 1, 1
    )  # fmt: skip
    assert sorted((r.field, r.value) for r in report.rejected) == [
        ("owner", "nobody@desk.example"), ("tier", "gold")
    ]  # fmt: skip
    with uow_factory() as uow:
        by_email = {c.email: c for c in uow.session.scalars(select(Customer))}
        ann, kept = by_email["ann@acme.example"], by_email["known@acme.example"]
        assert (ann.tier, ann.owner_id) == ("enterprise", 3)
        assert [t.name for t in tags_of(uow.session, ann)] == ["beta", "VIP"]
        # The known customer keeps their tier and owner; the new tag is added.
        assert (kept.tier, kept.owner_id) == ("premium", 7)
        assert [t.name for t in tags_of(uow.session, kept)] == ["beta"]
        assert "bob@acme.example" not in by_email
    again = run_import(uow_factory, CUSTOMERS, path, ImportOptions(settings=settings))
    assert again.counts["unchanged"] == 2  # a second run changes nothing
