"""A container on the test database with synchronous jobs and a recording notifier."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.operations import receive_inbound
from servicedesk.realtime.notifier import RecordingNotifier


@pytest.fixture
def desk_container(engine: Engine, tmp_path: Path) -> Container:
    config = Config(instance_dir=tmp_path, database_url=str(engine.url), secret_key="k")
    built = Container.build(config, synchronous_jobs=True)
    built.notifier = RecordingNotifier()
    return built


def ask(container: Container, external_id: str, text: str, subject: str | None = None) -> int:
    """A customer email through the full intake (routing included); returns the request id."""
    message = InboundMessage(
        channel="email",
        external_id=external_id,
        subject=subject,
        text=text,
        sender=Sender("email", f"{external_id}@customer.example"),
    )
    with container.uow() as uow:
        result = receive_inbound(uow, message, router=container.router)
        uow.commit()
    return result.request_id
