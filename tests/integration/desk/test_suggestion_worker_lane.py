"""With Redis, the worker computes suggestions for several requests in one job."""

from __future__ import annotations

from pathlib import Path

import redis
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from knowledge.embedding import MiniLMEmbedder
from knowledge.importing import import_articles
from servicedesk import runtime
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.models import RequestSuggestions
from servicedesk.desk.operations import receive_inbound
from servicedesk.realtime.notifier import RecordingNotifier
from servicedesk.redis_lane import DRAIN_JOB, RedisLane, pending_key
from servicedesk.worker import run_worker
from tests.integration.desk.test_suggestions import ARTICLES

QUESTIONS = [
    "my card was charged twice, can I get a refund?",
    "the parcel never arrived",
    "how do I reset my password",
]


def build(engine: Engine, tmp_path: Path, redis_url: str, embedder: MiniLMEmbedder) -> Container:
    config = Config(
        instance_dir=tmp_path,
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="k",
        redis_url=redis_url,
        testing=True,
    )
    built = Container.build(config)
    built.__dict__["embedder"] = embedder  # share the session's model load
    built.notifier = RecordingNotifier()
    runtime.install(built)  # the worker below runs in this process, with this container
    with built.uow() as uow:
        report = import_articles(uow.session, ARTICLES)
        uow.commit()
    built.knowledge.index_articles(report.changed_ids)
    return built


def chat(container: Container, visitor: int, number: int, text: str) -> int:
    message = InboundMessage(
        channel="webchat",
        external_id=f"v{visitor}-m{number}",
        sender=Sender("webchat", f"visitor-{visitor}"),
        text=text,
        thread_key=f"conversation-{visitor}",
    )
    with container.uow() as uow:
        result = receive_inbound(uow, message)
        uow.commit()
    return result.request_id


def test_one_drain_job_suggests_for_every_waiting_request(
    engine: Engine, tmp_path: Path, redis_url: str, embedder: MiniLMEmbedder
) -> None:
    container = build(engine, tmp_path, redis_url, embedder)
    assert isinstance(container.tasks, RedisLane)
    asked = {}
    for visitor, question in enumerate(QUESTIONS):
        chat(container, visitor, 0, "hello")
        asked[chat(container, visitor, 1, question)] = question  # two asks, one waiting run
    connection = redis.Redis.from_url(redis_url)
    knowledge = Queue("knowledge", connection=connection, serializer=JSONSerializer)
    assert [list(job.args) for job in knowledge.jobs] == [[DRAIN_JOB, "suggest_for_request"]]

    run_worker(redis_url, burst=True)

    assert connection.scard(pending_key("suggest_for_request")) == 0
    with container.uow() as uow:
        stored = {row.request_id: row.articles for row in uow.session.query(RequestSuggestions)}
    assert set(stored) == set(asked)
    top = {asked[rid]: articles[0]["key"] for rid, articles in stored.items() if articles}
    assert top[QUESTIONS[0]] == "refund" and top[QUESTIONS[2]] == "reset"  # each its own
    sent = container.notifier.sent  # type: ignore[attr-defined]
    ready = sorted(
        payload["request_id"] for event, payload, _room in sent if event == "suggestions.ready"
    )
    assert ready == sorted(asked)  # once each
