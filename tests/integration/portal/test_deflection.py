"""Suggestions while a signed-in customer types, and a deflection recorded once."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from knowledge.embedding import MiniLMEmbedder
from knowledge.importing import import_articles
from knowledge.models import Article
from servicedesk.container import Container
from servicedesk.desk.deflections import PortalDeflection
from servicedesk.desk.models import ServiceRequest
from tests.fixtures.smtp import Sink
from tests.integration.portal.conftest import sign_in
from tests.integration.web.conftest import csrf_token


def test_suggestions_then_deflection_counts_once_and_files_nothing(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int], embedder: MiniLMEmbedder
) -> None:
    container.__dict__["embedder"] = embedder
    with container.uow() as uow:
        report = import_articles(
            uow.session,
            [{"_id": "returns", "title": "Return a damaged item", "text": "Choose Return item."}],
        )
        uow.commit()
    container.knowledge.index_articles(report.changed_ids)
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    found = client.get("/help/suggest?q=how do I return a broken item").get_json()
    assert [a["title"] for a in found["articles"]] == ["Return a damaged item"]
    article_id = found["articles"][0]["id"]
    token = csrf_token(client.get("/help/requests/new").get_data(as_text=True))
    for _ in range(2):
        response = client.post(
            "/help/deflected",
            data={"article_id": article_id, "query": "broken item", "csrf_token": token},
        )
        assert response.status_code == 200
    missing = client.post(
        "/help/deflected", data={"article_id": 999999, "query": "x", "csrf_token": token}
    )
    assert missing.status_code == 404
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count(PortalDeflection.id))) == 1
        assert uow.session.scalar(select(func.count(ServiceRequest.id))) == 0
        article = uow.session.get(Article, article_id)
        assert article is not None and article.helpful_count == 1


def test_suggest_needs_a_signed_in_customer(app: Flask) -> None:
    assert app.test_client().get("/help/suggest?q=return").status_code == 302
