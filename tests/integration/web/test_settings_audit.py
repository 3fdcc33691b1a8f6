"""Admin settings changed in the console land in the audit log (secrets without values)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from crm_core.audit import AuditEntry
from servicedesk.container import Container
from tests.integration.web.test_mail_pages import admin_client, post_form
from tests.integration.web.test_router_pages import new_rule

__all__ = ["admin_client"]


def entries(container: Container, entity: str) -> list[AuditEntry]:
    with container.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
        return list(session.scalars(query))


def test_mailbox_and_rule_changes_are_audited(
    container: Container, admin_client: FlaskClient
) -> None:
    assert post_form(admin_client, "/console/mail/mailboxes/new").status_code == 302
    mailbox_id = entries(container, "mailbox")[0].entity_id
    url = f"/console/mail/mailboxes/{mailbox_id}/edit"
    assert post_form(admin_client, url, password="rotated", port="143").status_code == 302
    created, edited = entries(container, "mailbox")
    assert created.action == "create" and created.actor_name == "Admin"
    assert created.changes["host"] == [None, "imap.desk.example"]
    assert created.changes["password_encrypted"] == [None, "(changed)"]
    assert edited.changes["port"] == [993, 143]
    assert edited.changes["password_encrypted"] == ["(changed)", "(changed)"]
    assert new_rule(admin_client).status_code == 302
    (rule,) = entries(container, "routing_rule")
    assert rule.action == "create" and rule.changes["name"] == [None, "outage"]
    log = admin_client.get("/crm/audit?entity=mailbox").get_data(as_text=True)
    assert "2 entries" in log and "rotated" not in log
