"""Migration 0021 on SQLite and PostgreSQL: inline campaign mail moves into the library."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_core.db import Base
from servicedesk import migrate


def test_inline_campaign_mail_becomes_a_pinned_email_template(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        config.attributes["connection"] = conn
        command.upgrade(config, "0018")
        conn.execute(
            text(
                "INSERT INTO marketing_campaigns (id, name, goal, channel, status, budget,"
                " actual_cost, currency, owner_id, ab_sample_percent, ab_metric, ab_hours,"
                " attribution_days, created_at) VALUES (4, 'Autumn', '', 'email', 'sent', 0, 0,"
                " 'EUR', 9, 0, 'click', 24, 30, '2026-11-01 10:00:00+00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO marketing_variants (id, campaign_id, label, subject, body_text,"
                " body_html) VALUES (11, 4, 'A', 'Hi {{ customer.first_name }}', 'Offer', ''),"
                " (12, 4, 'B', 'Sale', 'Sale text', '<p>Sale</p>')"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.id, r.kind, r.title, r.owner_id, r.current_version_id, s.id,"
                " s.number, s.subject, s.body_text, s.body_html"
                " FROM marketing_variants v"
                " JOIN marketing_resource_versions s ON s.id = v.template_version_id"
                " JOIN marketing_resources r ON r.id = s.resource_id ORDER BY v.id"
            )
        ).all()
    assert [(r[0], r[1], r[2], r[3], r[6]) for r in rows] == [
        (11, "email_template", "Autumn (A)", 9, 1),
        (12, "email_template", "Autumn (B)", 9, 1),
    ]
    assert all(row[4] == row[5] for row in rows)  # the version is its resource's current one
    assert [tuple(r[7:]) for r in rows] == [
        ("Hi {{ customer.first_name }}", "Offer", ""),
        ("Sale", "Sale text", "<p>Sale</p>"),
    ]
