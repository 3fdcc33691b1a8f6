"""The SQLAlchemy base, engine construction and the unit of work shared by every package."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import Enum, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names keep Alembic autogenerate identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# The largest row id: PostgreSQL integer columns stop here (SQLite at 2**63 - 1), so a
# bigger number from a URL or a socket payload names no row.
MAX_ID = 2**31 - 1


class Base(DeclarativeBase):
    """Declarative base for every table in the repository."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def string_enum(kind: type[enum.StrEnum]) -> Enum:
    """An enum column stored as its plain values: adding one later needs no ALTER TYPE."""
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


def utcnow() -> datetime:
    """Timezone-aware now in UTC; stored naive-free on PostgreSQL, as text on SQLite."""
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(connection: Any) -> None:
    # Python's sqlite3 module only opens a transaction before DML, so a SAVEPOINT issued
    # first became the outermost transaction and its RELEASE committed to disk: a crash
    # right after it left half a unit of work behind. We open the transaction ourselves.
    # Deferred, not IMMEDIATE: read-only sessions nested inside a unit of work (search,
    # the sign-in user loader) must not wait for the write lock their caller holds.
    connection.exec_driver_sql("BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not manage transactions itself: `_sqlite_begin` does.
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(
    engine: Engine, info: dict[str, object] | None = None
) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit, so results outlive the unit of work.

    `info` is given to every session: the CRM's keys and settings travel there
    (crm_core.crypto.session_info).
    """
    return sessionmaker(bind=engine, expire_on_commit=False, info=dict(info or {}))


class UnitOfWork:
    """One transaction: rolls back unless `commit()` is called.

    Operations append domain events to `events`; once the transaction is durable they go
    to `publish` (which notifies consoles and enqueues jobs), then the callbacks registered
    with `after_commit` run. Nothing is published for a transaction that rolled back.
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        publish: Callable[[list[object]], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._publish = publish
        self.events: list[object] = []
        self._after_commit: list[Callable[[], None]] = []

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        """Commit, then publish the collected events and run the after-commit callbacks."""
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        published, self.events = self.events, []
        if self._publish is not None and published:
            self._publish(published)
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` after the next successful commit."""
        self._after_commit.append(callback)
