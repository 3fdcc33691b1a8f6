"""The in-process queue runs jobs by name with the context it was given, as rq's entry does."""

from __future__ import annotations

from typing import Any

import pytest

from servicedesk.queues import InProcessQueue


class FakeKnowledge:
    """Counts index calls; fails the first `failures` of them."""

    def __init__(self, failures: int = 0) -> None:
        self.indexed: list[int] = []
        self.failures = failures

    def index_article(self, article_id: int) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("index is busy")
        self.indexed.append(article_id)


class FakeContext:
    """Only what `index_article` uses of the container."""

    def __init__(self, knowledge: FakeKnowledge) -> None:
        self.knowledge = knowledge
        self.adapters: Any = None
        self.notifier: Any = None
        self.router: Any = None

    def uow(self) -> Any:
        raise AssertionError("index_article needs no unit of work")


def test_jobs_run_with_the_queues_context_in_submission_order() -> None:
    knowledge = FakeKnowledge()
    queue = InProcessQueue(FakeContext(knowledge))
    for article_id in (3, 1, 2):
        queue.enqueue("knowledge", "index_article", article_id)
    queue.join()
    assert knowledge.indexed == [3, 1, 2]


def test_a_failing_job_is_retried_then_given_up_without_raising() -> None:
    knowledge = FakeKnowledge(failures=2)
    InProcessQueue(FakeContext(knowledge), synchronous=True).enqueue(
        "knowledge", "index_article", 7
    )
    assert knowledge.indexed == [7]
    hopeless = FakeKnowledge(failures=5)
    InProcessQueue(FakeContext(hopeless), synchronous=True, attempts=3).enqueue(
        "knowledge", "index_article", 8
    )
    assert hopeless.indexed == [] and hopeless.failures == 2


def test_unknown_jobs_and_queues_are_refused_when_enqueued() -> None:
    queue = InProcessQueue(FakeContext(FakeKnowledge()), synchronous=True)
    with pytest.raises(LookupError):
        queue.enqueue("default", "drop_tables")
    with pytest.raises(ValueError, match="unknown queue"):
        queue.enqueue("urgent", "index_article", 1)
