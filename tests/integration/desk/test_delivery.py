"""Agent replies leave through the real SMTP peer, once, via in-process jobs and via rq."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from servicedesk import runtime
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.delivery import deliver_reply
from servicedesk.desk.models import DeliveryState, Message
from servicedesk.desk.operations import post_reply, receive_inbound
from servicedesk.queues import RqQueue
from servicedesk.worker import run_worker
from tests.fixtures.smtp import Sink


def build(
    engine: Engine, tmp_path: Path, smtp_port: int, redis_url: str | None = None
) -> Container:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="k",
        redis_url=redis_url,
        mail_smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        mail_from="support@desk.example",
        testing=True,
    )
    return Container.build(config, synchronous_jobs=True)


def open_and_reply(container: Container) -> int:
    with container.uow() as uow:
        agent = create_agent(uow.session, "ana@desk.example", "password-1", name="Ana")
        opened = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id="first@customer.example",
                sender=Sender("email", "cus@customer.example", "Cus"),
                subject="Broken lamp",
                text="It flickers.",
            ),
        )
        reply = post_reply(uow, opened.request_id, agent.id, "Try another bulb.")
        uow.commit()
    return reply.id


def test_reply_is_sent_once_with_threading_headers(
    engine: Engine, tmp_path: Path, smtp_sink: tuple[Sink, int]
) -> None:
    sink, port = smtp_sink
    container = build(engine, tmp_path, port)
    message_id = open_and_reply(container)  # the in-process queue sends on commit
    assert deliver_reply(container.uow, container.adapters, message_id) == DeliveryState.SENT
    assert len(sink.mails) == 1, "a second run of the job must not send again"
    mail = sink.mails[0]
    assert mail["In-Reply-To"] == "<first@customer.example>"
    assert "[SR-" in mail["Subject"]
    with container.uow() as uow:
        stored = uow.session.get(Message, message_id)
        assert stored is not None
        assert stored.delivery_state == DeliveryState.SENT
        assert f"<{stored.external_id}>" == mail["Message-ID"]


def test_reply_goes_through_rq_on_real_redis(
    engine: Engine, tmp_path: Path, smtp_sink: tuple[Sink, int], redis_url: str
) -> None:
    sink, port = smtp_sink
    container = build(engine, tmp_path, port, redis_url)
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    queue = RqQueue(redis_url, prefix=prefix)
    container.tasks = queue
    runtime.install(container)  # what rq's entry point hands the job in this process
    message_id = open_and_reply(container)
    assert sink.mails == []
    assert queue.queues["mail"].count == 1
    run_worker(redis_url, burst=True, prefix=prefix)
    assert len(sink.mails) == 1
    with container.uow() as uow:
        stored = uow.session.get(Message, message_id)
        assert stored is not None and stored.delivery_state == DeliveryState.SENT


def test_unconfigured_channel_fails_visibly(engine: Engine, tmp_path: Path) -> None:
    config = Config(instance_dir=tmp_path, database_url=str(engine.url), secret_key="k")
    container = Container.build(config, synchronous_jobs=True)
    message_id = open_and_reply(container)
    with container.uow() as uow:
        stored = uow.session.get(Message, message_id)
        assert stored is not None
        assert stored.delivery_state == DeliveryState.FAILED
        assert stored.delivery_error == "no email adapter configured"
