"""Widget endpoints under hostile input: bad ids, internal articles, request floods."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from channels.webchat import VisitorTokens
from channels.webchat.models import ChatDeflection
from knowledge.importing import import_articles
from knowledge.models import Article, ArticleStatus, Visibility
from servicedesk.app import create_app
from servicedesk.container import Container
from tests.integration.sockets.test_widget_http import visitor_token, web


def published_articles(container: Container) -> tuple[int, int]:
    """A public and an internal published article; returns their ids."""
    with container.uow() as uow:
        report = import_articles(
            uow.session,
            [
                {"_id": "pub", "title": "Shipping times", "text": "Parcels arrive in 3 days."},
                {"_id": "int", "title": "Refund override", "text": "Agents only: use code 77."},
            ],
        )
        found = {a.external_key: a for a in uow.session.scalars(select(Article))}
        assert all(a.status == ArticleStatus.PUBLISHED for a in found.values()), report
        found["int"].visibility = Visibility.INTERNAL
        uow.commit()
        return found["pub"].id, found["int"].id


def deflections(container: Container) -> list[int]:
    with container.uow() as uow:
        return list(uow.session.scalars(select(ChatDeflection.article_id)))


def test_deflection_counts_only_public_articles(container: Container) -> None:
    public_id, internal_id = published_articles(container)
    client = web(container)
    token = VisitorTokens(container.config.secret_key).issue(
        VisitorTokens(container.config.secret_key).new_visitor()
    )
    assert (
        client.post("/widget/deflect", json={"token": token, "article_id": public_id}).status_code
        == 200
    )
    for article_id in (internal_id, public_id + 1000):
        answer = client.post("/widget/deflect", json={"token": token, "article_id": article_id})
        assert answer.status_code == 404
    assert deflections(container) == [public_id]
    with container.uow() as uow:
        rated = uow.session.get(Article, public_id)
        assert rated is not None and rated.helpful_count == 1  # a deflection is a chat rating


@pytest.mark.parametrize("article_id", [True, 10**20, -1, "1", None])
def test_deflection_with_a_malformed_id_names_the_field(
    container: Container, article_id: object
) -> None:
    token, _ = visitor_token(container)
    answer = web(container).post("/widget/deflect", json={"token": token, "article_id": article_id})
    assert answer.status_code == 400
    assert answer.json["error"].startswith("article_id:")
    assert deflections(container) == []


def test_widget_endpoints_are_rate_limited(container: Container) -> None:
    # Rate limits are off while testing; this app turns them on.
    limited = replace(container, config=replace(container.config, testing=False))
    client = create_app(container=limited).test_client()
    token, _ = visitor_token(container)
    codes = [
        client.post("/widget/csat", json={"token": token, "rating": "good"}).status_code
        for _ in range(25)
    ]
    assert codes[:20] == [409] * 20 and codes[-1] == 429
    suggest = [client.get(f"/widget/suggest?token={token}").status_code for _ in range(61)]
    assert suggest[:60] == [200] * 60 and suggest[-1] == 429
    deflect = [client.post("/widget/deflect", json={"token": token}).status_code for _ in range(21)]
    assert deflect[:20] == [400] * 20 and deflect[-1] == 429
    # A CORS preflight is not counted, so it is answered even when the POSTs are refused.
    assert client.options("/widget/deflect").status_code == 204
