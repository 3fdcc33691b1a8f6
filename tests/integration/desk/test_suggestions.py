"""Knowledge suggestions with the real model; solved requests feed back into them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from knowledge.embedding import MiniLMEmbedder
from knowledge.importing import import_articles
from servicedesk import runtime
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.models import RequestSuggestions, Status
from servicedesk.desk.operations import change_status, post_reply, receive_inbound
from servicedesk.sockets.notifier import RecordingNotifier

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
def container(engine: Engine, tmp_path: Path, embedder: MiniLMEmbedder) -> Container:
    config = Config(instance_dir=tmp_path, database_url=str(engine.url), secret_key="k")
    built = Container.build(config, synchronous_jobs=True)
    built.__dict__["embedder"] = embedder  # share the session's model load
    built.notifier = RecordingNotifier()
    runtime.install(built)
    with built.uow() as uow:
        report = import_articles(uow.session, ARTICLES)
        uow.commit()
    built.knowledge.index_articles(report.changed_ids)
    return built


def ask(container: Container, external_id: str, text: str) -> int:
    with container.uow() as uow:
        result = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id=external_id,
                subject=None,
                text=text,
                sender=Sender("email", f"{external_id}@customer.example"),
            ),
        )
        uow.commit()
    return result.request_id


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
