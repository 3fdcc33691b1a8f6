"""Knowledge suggestions with the real model; solved requests feed back into them."""

from __future__ import annotations

import pytest

from knowledge.embedding import MiniLMEmbedder
from knowledge.importing import import_articles
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.models import RequestSuggestions, Status
from servicedesk.desk.operations import change_status, post_reply
from tests.integration.desk.conftest import ask

ARTICLES = [
    {
        "_id": "reset",
        "title": "Reset your password",
        "text": "Open Settings, choose Security and click 'Forgot password' to get a reset link.",
    },
    {
        "_id": "refund",
        "title": "Refunds for double charges",
        "text": "If your card was charged twice, we refund the duplicate within five days.",
    },
    {
        "_id": "export",
        "title": "Export your data as CSV",
        "text": "Reports can be downloaded as CSV from the Reports page.",
    },
]


@pytest.fixture
def container(desk_container: Container, embedder: MiniLMEmbedder) -> Container:
    desk_container.__dict__["embedder"] = embedder  # share the session's model load
    with desk_container.uow() as uow:
        report = import_articles(uow.session, ARTICLES)
        uow.commit()
    desk_container.knowledge.index_articles(report.changed_ids)
    return desk_container


def test_new_request_gets_the_right_article_pushed(container: Container) -> None:
    request_id = ask(
        container, "q1", "I was billed two times for the same order, money back please"
    )
    with container.uow() as uow:
        stored = uow.session.get(RequestSuggestions, request_id)
        assert stored is not None
        assert stored.articles[0]["key"] == "refund"
    assert ("suggestions.ready", {"request_id": request_id}, f"request:{request_id}") in (
        container.notifier.sent  # type: ignore[attr-defined]
    )


def test_solved_request_is_suggested_for_a_similar_one(container: Container) -> None:
    first = ask(container, "q1", "The mobile app crashes when I upload a profile photo")
    with container.uow() as uow:
        agent = create_agent(uow.session, "ana@desk.example", "password-1")
        post_reply(
            uow, first, agent.id, "Update to version 4.2, which fixes the photo upload crash."
        )
        change_status(uow, first, Status.SOLVED, agent_id=agent.id)
        uow.commit()
    second = ask(container, "q2", "App keeps crashing while uploading my avatar picture")
    with container.uow() as uow:
        stored = uow.session.get(RequestSuggestions, second)
        assert stored is not None
        assert [s["request_id"] for s in stored.solved_requests] == [first]
