"""The registry of exporters and erasers: every package that stores personal data adds its own.

crm_core cannot see requests, messages, orders or anything above it, so the GDPR export
and the erasure are built from parts: each package registers a named exporter
`(session, customer_id) -> JSON-able` and a named eraser `(session, Erasure) -> None`.
The desk composes the registry of the whole application (crm_core's parts, its own, and
those of the channels and the knowledge base) and runs it in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import Session

Exporter = Callable[[Session, int], Any]


@dataclass
class Erasure:
    """The person being erased, read before anything was blanked, and what erasers share.

    `related` lets an eraser hand ids to later ones (the desk puts the person's request
    ids under "requests"); `later` holds work for after the commit (deleting files).
    """

    customer_id: int
    name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    related: dict[str, list[int]] = field(default_factory=dict)
    later: list[Callable[[], None]] = field(default_factory=list)

    @property
    def identifiers(self) -> list[str]:
        """Every string that names the person: name, emails, phones, channel addresses."""
        found = {self.name, *self.emails, *self.phones, *self.addresses}
        return sorted(value for value in found if value and len(value.strip()) >= 3)


Eraser = Callable[[Session, Erasure], None]


class PrivacyRegistry:
    """Named exporters and erasers, run in the order they were added.

    Each part names the tables it covers, so a test can find any table that points at
    a customer and that nobody exports or erases (`uncovered`).
    """

    def __init__(self) -> None:
        self.exporters: dict[str, Exporter] = {}
        self.erasers: dict[str, Eraser] = {}
        self.exported_tables: set[str] = set()
        self.erased_tables: set[str] = set()

    def add_exporter(self, name: str, exporter: Exporter, tables: Iterable[str] = ()) -> None:
        if name in self.exporters:
            raise ValueError(f"an exporter named {name!r} is registered already")
        self.exporters[name] = exporter
        self.exported_tables.update(tables)

    def add_eraser(self, name: str, eraser: Eraser, tables: Iterable[str] = ()) -> None:
        if name in self.erasers:
            raise ValueError(f"an eraser named {name!r} is registered already")
        self.erasers[name] = eraser
        self.erased_tables.update(tables)

    def uncovered(self, metadata: MetaData, table: str = "customers") -> dict[str, list[str]]:
        """Tables with a foreign key to `table` that no exporter or no eraser covers."""
        pointing = sorted(
            t.name for t in metadata.sorted_tables
            if any(fk.column.table.name == table for fk in t.foreign_keys)
        )  # fmt: skip
        return {
            "export": [t for t in pointing if t not in self.exported_tables],
            "erase": [t for t in pointing if t not in self.erased_tables],
        }

    def export(self, session: Session, customer_id: int) -> dict[str, Any]:
        """Every exporter's part, under its name."""
        return {name: exporter(session, customer_id) for name, exporter in self.exporters.items()}

    def erase(self, session: Session, erasure: Erasure) -> list[str]:
        """Run every eraser in order; returns their names."""
        for eraser in self.erasers.values():
            eraser(session, erasure)
        session.flush()
        return list(self.erasers)
