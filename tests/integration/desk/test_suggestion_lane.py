"""Suggestions once per customer turn, still stored after a burst; the question is bounded."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from knowledge.embedding import MiniLMEmbedder
from knowledge.importing import import_articles
from servicedesk import runtime
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.models import RequestSuggestions, ServiceRequest
from servicedesk.desk.operations import post_reply, receive_inbound
from servicedesk.desk.suggestions import TURN_MESSAGES, question_of
from servicedesk.lanes import LaneTasks
from servicedesk.realtime.notifier import RecordingNotifier
from tests.integration.desk.test_suggestions import ARTICLES


@pytest.fixture
def lane_container(engine: Engine, tmp_path: Path, embedder: MiniLMEmbedder) -> Container:
    """Jobs as the web process runs them: in-process, suggestions through the lane."""
    config = Config(instance_dir=tmp_path, database_url=str(engine.url), secret_key="k")
    built = Container.build(config)
    built.__dict__["embedder"] = embedder  # share the session's model load
    built.notifier = RecordingNotifier()
    runtime.install(built)
    with built.uow() as uow:
        report = import_articles(uow.session, ARTICLES)
        uow.commit()
    built.knowledge.index_articles(report.changed_ids)
    return built


def chat(container: Container, number: int, text: str) -> int:
    message = InboundMessage(
        channel="webchat",
        external_id=f"m{number}",
        sender=Sender("webchat", "visitor-1"),
        text=text,
        thread_key="conversation-1",
    )

    def store() -> int:
        with container.uow() as uow:
            result = receive_inbound(uow, message)
            uow.commit()
        return result.request_id

    # As the web process writes (desk/door.py): one SQLite writer at a time, the lane too.
    return container.write_guard.run(store)


def test_a_burst_of_messages_gets_one_suggestion_run_for_its_last_question(
    lane_container: Container,
) -> None:
    tasks = lane_container.tasks
    assert isinstance(tasks, LaneTasks)
    tasks.lane.quiet = 2.0  # the burst below is one turn even on a slow machine
    burst = ["hi", "are you there?", "one more thing", "my card was charged twice, refund?"]
    request_ids = {chat(lane_container, n, text) for n, text in enumerate(burst)}
    assert len(request_ids) == 1
    request_id = request_ids.pop()
    tasks.join()
    assert (tasks.lane.stats.submitted, tasks.lane.stats.runs) == (4, 1)
    with lane_container.uow() as uow:
        stored = uow.session.get(RequestSuggestions, request_id)
        assert stored is not None
        assert stored.articles[0]["key"] == "refund"  # the turn's question, not "hi"
    ready = ("suggestions.ready", {"request_id": request_id}, f"request:{request_id}")
    assert lane_container.notifier.sent.count(ready) == 1  # type: ignore[attr-defined]


def test_a_chats_subject_is_not_repeated_while_its_first_message_is_in_the_turn(
    lane_container: Container,
) -> None:
    request_id = chat(lane_container, 0, "My card was charged twice\nfor one order, why?")
    chat(lane_container, 1, "a refund please")
    with lane_container.uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        assert request.subject == "My card was charged twice"  # the first line
        question = question_of(uow.session, request)
    assert question == "My card was charged twice\nfor one order, why?\na refund please"


def test_question_is_the_latest_turn_read_without_the_whole_conversation(
    lane_container: Container,
) -> None:
    request_id = chat(lane_container, 0, "first question about exports")
    for n in range(1, 8):
        chat(lane_container, n, f"older message {n}")
    # Threads writing SQLite at once collide (the web process runs gevent, where they do not).
    lane_container.tasks.join()  # type: ignore[attr-defined]
    with lane_container.uow() as uow:
        agent = create_agent(uow.session, "ana@desk.example", "password-1")
        post_reply(uow, request_id, agent.id, "Which export do you mean?")
        uow.commit()
    for n, text in enumerate(["the CSV one", "from the reports page"], start=10):
        chat(lane_container, n, text)
    with lane_container.uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        question = question_of(uow.session, request)
        assert "messages" in inspect(request).unloaded  # the conversation was never loaded
    assert question == "first question about exports\nthe CSV one\nfrom the reports page"

    # A long turn: only its newest messages count.
    for n in range(20, 30):
        chat(lane_container, n, f"follow-up {n}")
    with lane_container.uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        lines = question_of(uow.session, request).splitlines()
    assert lines[1:] == [f"follow-up {n}" for n in range(30 - TURN_MESSAGES, 30)]
    lane_container.tasks.join()  # type: ignore[attr-defined]
