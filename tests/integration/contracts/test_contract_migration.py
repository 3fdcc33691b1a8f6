"""Migration 0019 on SQLite and PostgreSQL: a database at 0018 gets the contract tables
with the one-row-per-(contract, request) rule, and loses them again on downgrade."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from crm_core.db import Base
from servicedesk import migrate

TABLES = {
    "service_contracts",
    "service_contract_products",
    "service_contract_incidents",
    "service_contract_time",
    "service_contract_reminders",
}
NOW = "2026-11-20 10:00:00+00:00"


def test_0019_adds_the_contract_tables_and_downgrades_cleanly(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        config.attributes["connection"] = conn
        command.upgrade(config, "0018")
        assert not TABLES & set(inspect(conn).get_table_names())
        command.upgrade(config, "0019")
        assert set(inspect(conn).get_table_names()) >= TABLES
        conn.execute(
            text(
                "INSERT INTO organizations (id, name, name_key, tier, created_at)"
                " VALUES (1, 'Acme', 'acme', 'standard', :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO service_contracts (id, number, organization_id, status, starts_on,"
                " ends_on, sla_tier, channels, remind_days, notes, created_at, updated_at)"
                " VALUES (1, 'C-1', 1, 'active', '2026-01-01', '2026-12-31', 'gold', '[]', '[]',"
                " '', :now, :now)"
            ),
            {"now": NOW},
        )
    insert = text(
        "INSERT INTO service_contract_incidents (contract_id, request_id, channel, standing, at)"
        " VALUES (1, 7, 'email', 'covered', :now)"
    )
    with engine.begin() as conn:
        conn.execute(insert, {"now": NOW})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert, {"now": NOW})  # the same request counted twice
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0018")
        assert not TABLES & set(inspect(conn).get_table_names())
    migrate.upgrade(engine)
