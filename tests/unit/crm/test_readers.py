"""Reading tables: encodings and delimiters as spreadsheets write them, XLSX, bad files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm_core.importing.readers import UnreadableFile, open_table


def read(path: Path) -> tuple[list[str], list[tuple[int, list[object]]]]:
    with open_table(path) as table:
        return table.headers, list(table.rows)


def test_excel_csv_in_windows_1252_with_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "kunden.csv"
    path.write_bytes("Name;E-Mail\r\nJürgen Müller;j@example.com\r\n".encode("cp1252"))
    assert read(path) == (["Name", "E-Mail"], [(2, ["Jürgen Müller", "j@example.com"])])


def test_utf8_with_bom_tabs_and_a_quoted_line_break(tmp_path: Path) -> None:
    path = tmp_path / "c.tsv"
    path.write_text('\ufeffName\tAddress\n"李伟"\t"1 Main St\nSpringfield"\n', encoding="utf-8")
    assert read(path) == (["Name", "Address"], [(2, ["李伟", "1 Main St\nSpringfield"])])


def test_xlsx_rows_are_numbered_as_the_sheet_shows_them(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Email", "Since"])
    sheet.append(["a@example.com", datetime(2024, 1, 2)])
    sheet.append([None, None])
    sheet.append(["b@example.com", 5])
    book.save(tmp_path / "c.xlsx")
    headers, rows = read(tmp_path / "c.xlsx")
    assert headers == ["Email", "Since"]
    assert rows == [
        (2, ["a@example.com", datetime(2024, 1, 2)]),
        (3, [None, None]),
        (4, ["b@example.com", 5]),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.pdf", b"%PDF", "expected a .csv or .xlsx"),
        ("c.xlsx", b"not a zip", "not a readable XLSX"),
        ("c.csv", b"", "no header row"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message):
        read(path)
