"""Read CSV and XLSX files row by row, never the whole file into memory."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

Cell = object  # str from CSV; str, int, float, date or datetime from XLSX; None when empty


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX table we can read; the message says why."""


@dataclass
class Table:
    """The header row and an iterator of (row number, cells) after it.

    Row numbers are the ones a spreadsheet shows: the header is row 1.
    """

    headers: list[str]
    rows: Iterator[tuple[int, list[Cell]]]


def file_sha256(path: Path) -> str:
    """The content hash, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def open_table(path: Path) -> Iterator[Table]:
    """The file as a `Table`, by its extension (.csv, .tsv, .txt or .xlsx)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        with _xlsx_table(path) as table:
            yield table
    elif suffix in {".csv", ".tsv", ".txt"}:
        with _csv_table(path) as table:
            yield table
    else:
        raise UnreadableFile(f"{path.name}: expected a .csv or .xlsx file")


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the start decodes as such, else Windows-1252,
    which is what Excel writes when it saves "CSV" on a Western-European Windows."""
    with path.open("rb") as stream:
        head = stream.read(1 << 20)
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the chunk's end
            return "cp1252"
    return "utf-8-sig"


@contextmanager
def _csv_table(path: Path) -> Iterator[Table]:
    encoding = _encoding(path)
    with path.open(encoding=encoding, newline="") as stream:
        sample = stream.read(64 * 1024)
        stream.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(stream, dialect)
        headers = next(reader, None)
        if not headers:
            raise UnreadableFile(f"{path.name}: no header row")
        rows: Iterator[tuple[int, list[Cell]]] = (
            (number, list(cells)) for number, cells in enumerate(reader, start=2)
        )
        yield Table([h.strip() for h in headers], rows)


@contextmanager
def _xlsx_table(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook  # loaded only when an XLSX file is imported

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a bad file
        raise UnreadableFile(f"{path.name}: not a readable XLSX file ({error})") from error
    try:
        cells = workbook.active.iter_rows(values_only=True)
        header = next(cells, None)
        if header is None:
            raise UnreadableFile(f"{path.name}: the first sheet is empty")
        headers = ["" if h is None else str(h).strip() for h in header]
        rows = ((number, list(row)) for number, row in enumerate(cells, start=2))
        yield Table(headers, rows)
    finally:
        workbook.close()  # read-only mode keeps the file open until closed
