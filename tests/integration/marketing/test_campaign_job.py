"""The campaign send as an rq job on real Redis: enqueued twice, each recipient once."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from servicedesk import runtime
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.queues import RqQueue
from servicedesk.worker import run_worker
from tests.integration.marketing.helpers import make_audience, make_campaign, smtp_sink


def test_send_campaign_job_on_an_rq_worker(
    engine: Engine, tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_sink() as (sink, url):
        config = Config(
            instance_dir=tmp_path / "instance",
            database_url=engine.url.render_as_string(hide_password=False),
            secret_key="k",
            redis_url=redis_url,
            testing=True,
            mail_smtp_url=url,
            mail_from="help@desk.example",
            marketing_rate=50,
        )
        container = Container.build(config)
        monkeypatch.setattr(runtime, "_current", container)
        with container.uow() as uow:
            make_audience(uow, 3)
            campaign_id = make_campaign(uow).id
            uow.commit()
        prefix = f"test-{uuid.uuid4().hex[:8]}-"
        container.tasks = RqQueue(redis_url, prefix=prefix)
        container.tasks.enqueue("mail", "send_campaign", campaign_id)
        container.tasks.enqueue("mail", "send_campaign", campaign_id)  # a duplicate job
        run_worker(redis_url, burst=True, prefix=prefix)
        container.engine.dispose()
    assert sorted(sink.recipients) == [f"kim{n}@customer.example" for n in range(3)]
    assert all(mail["From"] == "help@desk.example" for _, mail in sink.mails)
