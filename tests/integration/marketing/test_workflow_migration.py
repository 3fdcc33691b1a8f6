"""Migration 0020 on SQLite and PostgreSQL: its partial unique index refuses a second
active enrolment of a customer in a workflow, and it downgrades cleanly."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from crm_core.db import Base
from servicedesk import migrate

TABLES = {"marketing_workflows", "marketing_enrolments", "marketing_workflow_steps"}
ENROL = (
    "INSERT INTO marketing_enrolments (workflow_id, customer_id, status, trigger, attempts,"
    " enrolled_at) VALUES (1, 1, :status, '', 0, CURRENT_TIMESTAMP)"
)


def _fresh(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_0020_refuses_a_second_active_enrolment_and_downgrades(engine: Engine) -> None:
    _fresh(engine)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (name, name_key, vip, tier, lifecycle_stage,"
                          " created_at, updated_at) VALUES ('Ann', 'ann', false, 'standard',"
                          " 'prospect', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))  # fmt: skip
        conn.execute(text("INSERT INTO marketing_workflows (name, status, trigger, definition,"
                          " created_at, updated_at) VALUES ('W', 'active', 'tag_added', '{}',"
                          " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))  # fmt: skip
        for status in ("active", "completed", "completed"):
            conn.execute(text(ENROL), {"status": status})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(ENROL), {"status": "active"})
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0018")
    assert not TABLES & set(inspect(engine).get_table_names())
    _fresh(engine)
    Base.metadata.create_all(engine)  # as the fixture expects to find it
