"""One messy file, as exports from three systems and a spreadsheet user make them:
mixed header languages, date and phone formats, duplicates that differ in case, spacing
and accents, and bad rows. Every count is checked, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from crm_core.customers import ChannelIdentity, Customer, Organization
from crm_core.dedupe import find_duplicates
from crm_core.importing import IMPORT_KINDS, ImportOptions, RowSettings, run_import

HEADER = ["Nom complet", "E-Mail", "Handy", "Company", "Kunde seit", "VIP", "Address"]
ROWS = [
    # 2: the first of José
    ["José García", "jose.garcia@acme.com", "+49 30 901820", "Acme GmbH", "2024-03-05", "yes",
     "Hauptstr. 1, Berlin"],
    # 3: José again: email in other case, name spaced and without accents, national phone
    [" JOSE  GARCIA ", "Jose.Garcia@ACME.com ", "030 901820", "acme gmbh", "05.03.2024", "", ""],
    # 4: José with a private address: a new record, but a fuzzy duplicate of row 2
    ["Jose Garcia", "jgarcia@gmail.com", "", "Acme GmbH", "March 5, 2024", "", ""],
    # 5: Ann
    ["Ann Lee", "ann.lee@globex.example", "(030) 12345678", "", "", "no", ""],
    # 6-10: bad rows, one reason each
    ["Bad Mail", "ann.lee@@globex", "", "", "", "", ""],
    ["Bad Phone", "", "12", "", "", "", ""],
    ["Nobody", "", "", "Acme GmbH", "", "", ""],
    ["Bad Date", "bad.date@example.com", "", "", "31/02/2024", "", ""],
    ["Bad Choice", "bad.choice@example.com", "", "", "", "maybe", ""],
    # 11: blank
    ["", "", "", "", "", "", ""],
    # 12: Ann again, found by her phone written another way
    ["Ann  Lee", "", "0049 30 12345678", "", "", "", ""],
    # 13: Björn, US number, French month name
    ["Björn Ås", "bjorn@initech.example", "+1 (650) 253-0000", "Initech", "4 mai 2023", "no",
     ""],
    # 14: 李伟 at a free-mail address: no organisation is inferred
    ["李伟", "liwei@qq.com", "+86 10 6552 9988", "", "2023年7月1日", "", ""],
    # 15: Björn again in capitals, now with an address: the blank is filled
    ["BJÖRN ÅS", "BJORN@INITECH.EXAMPLE", "", "", "", "", "1 Infinite Loop"],
    # 16: a numeric date that reads two ways
    ["Carl", "carl@example.com", "", "", "03/04/2024", "", ""],
]  # fmt: skip


def messy_file(tmp_path: Path) -> Path:
    path = tmp_path / "messy.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([HEADER, *ROWS])
    return path


def table_count(uow_factory, model) -> int:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_messy_file_gives_exactly_the_expected_counts(uow_factory, tmp_path) -> None:
    path = messy_file(tmp_path)
    options = ImportOptions(settings=RowSettings(region="DE"), started_by="test")
    dry = run_import(uow_factory, IMPORT_KINDS["customers"], path, _dry(options))
    report = run_import(uow_factory, IMPORT_KINDS["customers"], path, options)
    expected = {
        "rows": 14,
        "created": 5,
        "updated": 1,
        "unchanged": 2,
        "rejected": 6,
        "organisations_created": 2,
    }
    assert dict(dry.counts) == dict(report.counts) == expected
    assert [(r.row_number, r.field) for r in report.rejected] == [
        (6, "email"),
        (7, "phone"),
        (8, "email or phone"),
        (9, "customer_since"),
        (10, "vip"),
        (16, "customer_since"),
    ]
    assert report.rejected == dry.rejected
    assert "ambiguous" in report.rejected[-1].reason
    assert table_count(uow_factory, Customer) == 5
    assert table_count(uow_factory, Organization) == 2
    assert table_count(uow_factory, ChannelIdentity) == 9  # 5 emails, 4 phones
    _check_records(uow_factory)
    _check_duplicates(uow_factory)

    again = run_import(uow_factory, IMPORT_KINDS["customers"], path, options)
    assert dict(again.counts) == {"rows": 14, "unchanged": 8, "rejected": 6}
    assert table_count(uow_factory, Customer) == 5


def _dry(options: ImportOptions) -> ImportOptions:
    return ImportOptions(settings=options.settings, dry_run=True)


def _check_records(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        query = select(Customer).order_by(Customer.id)
        people = {c.email: c for c in uow.session.scalars(query)}
        jose = people["jose.garcia@acme.com"]
        assert (jose.name, jose.phone, jose.vip, str(jose.customer_since)) == (
            "José García",
            "+4930901820",
            True,
            "2024-03-05",
        )
        assert jose.organization is not None
        assert jose.organization.name == "Acme GmbH"
        assert jose.organization.domain == "acme.com"  # learnt from José's address
        private = people["jgarcia@gmail.com"]
        assert private.organization is jose.organization  # named in the row
        assert people["ann.lee@globex.example"].phone == "+493012345678"
        bjorn = people["bjorn@initech.example"]
        assert (bjorn.address, str(bjorn.customer_since)) == ("1 Infinite Loop", "2023-05-04")
        li = people["liwei@qq.com"]
        assert (li.name, li.organization, str(li.customer_since)) == ("李伟", None, "2023-07-01")


def _check_duplicates(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        pairs = find_duplicates(uow.session)
        ids = dict(uow.session.execute(select(Customer.email, Customer.id)).all())
    assert [(p.left_id, p.right_id, p.score) for p in pairs] == [
        (ids["jose.garcia@acme.com"], ids["jgarcia@gmail.com"], 100.0)
    ]
