"""The suggestion child process finds what the in-thread search finds, and survives a kill
or a hang."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from knowledge.embedding import MiniLMEmbedder, shared_query_embedder
from servicedesk.container import Container
from servicedesk.desk.suggestions import search_for_requests
from servicedesk.suggestion_process import (
    CHILD_NICENESS,
    ChildHung,
    SuggestionProcess,
    _collaborators,
)
from tests.integration.desk import test_suggestion_lane
from tests.integration.desk.test_suggestion_lane import chat

lane_container = test_suggestion_lane.lane_container  # the web process's container


@pytest.fixture
def process(lane_container: Container) -> Iterator[SuggestionProcess]:
    child = SuggestionProcess(lane_container.config)
    yield child
    child.stop()


def _summary(found: dict) -> dict:  # type: ignore[type-arg]
    return {
        request_id: (
            [(hit.article_id, round(hit.score, 3)) for hit in suggestions.articles.hits],
            suggestions.articles.no_answer,
            [match.request_id for match in suggestions.solved_requests],
        )
        for request_id, suggestions in found.items()
    }


def test_the_child_finds_the_same_suggestions_as_the_thread(
    lane_container: Container, process: SuggestionProcess
) -> None:
    request_id = chat(lane_container, 1, "How do I reset my password? The link expired.")
    here = search_for_requests(lane_container.uow, lane_container.knowledge, [request_id])
    there = process.call(search_for_requests, [request_id])

    assert here[request_id].articles.hits  # the comparison below compares something
    assert _summary(there) == _summary(here)


def test_the_child_searches_with_the_int8_copy_and_never_loads_the_float_model(
    lane_container: Container,
) -> None:
    _uow, knowledge = _collaborators(lane_container.config)

    assert knowledge.searcher.embedder is shared_query_embedder(lane_container.config.model_path)
    assert isinstance(knowledge.embedder, MiniLMEmbedder)  # what the passages were stored with
    assert not knowledge.embedder.quantized


def test_the_child_yields_the_cpu_to_the_web_process(
    lane_container: Container, process: SuggestionProcess
) -> None:
    request_id = chat(lane_container, 1, "How do I reset my password? The link expired.")
    process.call(search_for_requests, [request_id])
    child = process.pid()
    assert child is not None
    parent_niceness = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, child) == min(parent_niceness + CHILD_NICENESS, 19)


def test_a_killed_child_is_restarted_and_the_job_retried(
    lane_container: Container, process: SuggestionProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = chat(lane_container, 1, "How do I reset my password? The link expired.")
    first = process.call(search_for_requests, [request_id])
    killed = process.pid()
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    os.waitpid(killed, 0)
    monkeypatch.setattr(process._child, "poll", lambda: None)  # as if it died mid-call

    again = process.call(search_for_requests, [request_id])

    assert process.pid() not in (None, killed)
    assert _summary(again) == _summary(first)


def test_a_hung_child_is_killed_and_the_next_call_gets_a_fresh_one(
    lane_container: Container, process: SuggestionProcess
) -> None:
    request_id = chat(lane_container, 1, "How do I reset my password? The link expired.")
    first = process.call(search_for_requests, [request_id])
    hung = process.pid()
    assert hung is not None
    os.kill(hung, signal.SIGSTOP)  # alive, never answering
    process.timeout = 1.0

    with pytest.raises(ChildHung):
        process.call(search_for_requests, [request_id])

    assert process.pid() is None  # killed, not left stopped
    with pytest.raises(ProcessLookupError):
        os.kill(hung, 0)
    process.timeout = 120.0  # a search on a busy machine
    again = process.call(search_for_requests, [request_id])
    assert process.pid() not in (None, hung)
    assert _summary(again) == _summary(first)
