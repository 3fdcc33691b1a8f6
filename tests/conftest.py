"""Shared fixtures: databases (SQLite and the real PostgreSQL), Redis, the real model."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

import servicedesk.schema  # noqa: F401  (registers every table on Base.metadata)
from crm_core.crypto import FieldCrypto, session_info
from crm_core.db import Base, UnitOfWork, make_engine, make_session_factory

# Fixtures shared across folders: the SMTP sink (aiosmtpd).
pytest_plugins = ["tests.fixtures.smtp"]

POSTGRES_ADMIN_URL = os.environ.get(
    "SERVICEDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("SERVICEDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def new_crypto() -> FieldCrypto:
    """Fresh random CRM field keys (never a key written in the code)."""
    from cryptography.fernet import Fernet

    return FieldCrypto((Fernet.generate_key().decode(),), os.urandom(32))


# The keys of this test session's units of work (crm_core.crypto).
TEST_CRYPTO = new_crypto()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2 at the lowest cost for every in-process account of the suite.

    Its production cost (about half a second of CPU per sign-up or sign-in) is the point
    of argon2 and pure waste here: the suite signs up and signs in hundreds of accounts.
    Servers that tests start as subprocesses keep the production cost.
    """
    from servicedesk.desk import accounts

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))
        yield


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway database on the running PostgreSQL server, dropped at the end."""
    name = f"sd_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the whole schema, built once and copied for each test."""
    path = tmp_path_factory.mktemp("schema") / "schema.db"
    eng = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(eng)
    eng.dispose()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def engine(database_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on an empty database that has the whole schema."""
    if database_url.startswith("sqlite"):
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), database_url.split("///", 1)[1])
        eng = make_engine(database_url)
    else:
        eng = make_engine(database_url)
        empty_postgres(eng)
    yield eng
    eng.dispose()


def empty_postgres(engine: Engine) -> None:
    """Empty every table and restart every sequence; rebuild a schema that a test changed.

    Building the schema costs PostgreSQL one to two seconds; emptying it, a few
    milliseconds. A test that dropped or migrated tables leaves a different catalogue, which
    the column count shows, and gets a fresh build.
    """
    tables = Base.metadata.sorted_tables
    expected = (len(tables), sum(len(table.columns) for table in tables))
    catalogue = text(
        "SELECT count(DISTINCT table_name), count(*) FROM information_schema.columns"
        " WHERE table_schema = 'public'"
    )
    with engine.begin() as conn:
        if tuple(conn.execute(catalogue).one()) != expected:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            Base.metadata.create_all(conn)
            return
        probe = " UNION ALL ".join(
            f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")"
            for table in tables
        )
        filled = ", ".join(f'"{name}"' for name in conn.execute(text(probe)).scalars())
        if filled:
            conn.execute(text(f"TRUNCATE {filled} CASCADE"))
        conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_schema: Path) -> Iterator[Engine]:
    """SQLite only, for fast unit tests of the domain."""
    shutil.copyfile(sqlite_schema, tmp_path / "unit.db")
    eng = make_engine(f"sqlite:///{tmp_path / 'unit.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
def uow_factory(engine: Engine):  # type: ignore[no-untyped-def]
    """Call it to get a new unit of work on the test database."""
    sessions = make_session_factory(engine, session_info(TEST_CRYPTO))
    return lambda: UnitOfWork(sessions)


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2, loaded once for the whole test session."""
    from knowledge.embedding import MiniLMEmbedder

    model = MiniLMEmbedder()
    model.encode(["warm up"])
    return model


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The real Redis on CI (database 15), flushed after each test."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.ping()
    yield REDIS_TEST_URL
    client.flushdb()
