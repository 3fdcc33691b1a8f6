"""The request page shows suggested articles; inserting one counts as a use."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from channels.messages import InboundMessage, Sender
from knowledge.importing import import_articles
from knowledge.models import Article
from servicedesk.current import container_of
from servicedesk.desk.operations import receive_inbound
from tests.integration.web.conftest import csrf_token
from tests.integration.web.test_kb_pages import kb_app  # noqa: F401  (fixture)


def test_suggested_article_can_be_inserted_and_is_counted(
    kb_app: Flask,  # noqa: F811
    agent_client: FlaskClient,
) -> None:
    container = container_of(kb_app)
    with container.uow() as uow:
        report = import_articles(
            uow.session,
            [
                {
                    "_id": "reset",
                    "title": "Reset your password",
                    "text": "Choose Forgot password on the sign-in page to get a reset link.",
                },
                {"_id": "ship", "title": "Shipping times", "text": "Parcels arrive in 3 days."},
            ],
        )
        uow.commit()
    container.knowledge.index_articles(report.changed_ids)
    with container.uow() as uow:
        opened = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id="q@x",
                subject="Locked out",
                text="I forgot my password and cannot sign in",
                sender=Sender("email", "a@b.example"),
            ),
        )
        uow.commit()
    page = agent_client.get(f"/console/requests/{opened.request_id}").get_data(as_text=True)
    panel = page[page.index('id="suggestions"') :]
    assert panel.index("Reset your password") < panel.index("</section>")
    used_url = re.search(r'data-used-url="([^"]+)"', panel)
    assert used_url
    refused = agent_client.post(used_url.group(1))
    assert refused.status_code == 400  # no CSRF token
    token = csrf_token(page)
    assert agent_client.post(used_url.group(1), headers={"X-CSRFToken": token}).status_code == 200
    with container.uow() as uow:
        counts = {a.external_key: a.used_in_reply_count for a in uow.session.query(Article)}
    assert counts == {"reset": 1, "ship": 0}
