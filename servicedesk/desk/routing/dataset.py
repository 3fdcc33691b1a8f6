"""Labelled CSV files for training and evaluation, read with a real CSV parser."""

from __future__ import annotations

import csv
from pathlib import Path

from servicedesk.desk.routing.training import TrainingDataError


def read_labelled_csv(
    path: Path, text_column: str, label_column: str
) -> tuple[list[str], list[str]]:
    """Texts and labels of every row with both fields; errors name the problem."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for column in (text_column, label_column):
                if column not in columns:
                    found = ", ".join(columns) or "none"
                    raise TrainingDataError(f"{path}: no column {column!r} (columns: {found})")
            texts, labels = [], []
            for row in reader:
                text, label = (row.get(text_column) or "").strip(), (row.get(label_column) or "")
                if text and label.strip():
                    texts.append(text)
                    labels.append(label.strip())
    except UnicodeDecodeError as error:
        raise TrainingDataError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    except FileNotFoundError as error:
        raise TrainingDataError(f"{path}: no such file") from error
    if not texts:
        raise TrainingDataError(f"{path}: no rows with both {text_column!r} and {label_column!r}")
    return texts, labels
