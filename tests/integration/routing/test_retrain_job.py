"""Retraining from an agent's re-categorisation, through real rq and Redis and the real model."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.engine import Engine

from crm_core.customers import Customer
from knowledge.embedding import MiniLMEmbedder
from servicedesk import runtime
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk import operations
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.routing.router import Router
from servicedesk.desk.routing.service import CategoryService
from servicedesk.queues import RqQueue
from servicedesk.worker import run_worker
from tests.integration.routing.test_classifier_real_model import TRAIN


def build(engine: Engine, tmp_path: Path, redis_url: str, embedder: MiniLMEmbedder) -> Container:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="k",
        redis_url=redis_url,
        testing=True,
    )
    container = Container.build(config)
    container.router = Router(CategoryService(config.models_dir, embedder))
    runtime.install(container)
    return container


def recategorise(container: Container, subject: str, category: str) -> None:
    """An agent moves a request the model put elsewhere to `category`."""
    with container.uow() as uow:
        agent = create_agent(uow.session, "ana@desk.example", "pw-123456789", name="Ana")
        customer = Customer(name="Cid", email="cid@example.com")
        uow.session.add(customer)
        uow.session.flush()
        request = ServiceRequest(
            subject=subject, customer_id=customer.id, channel="email", category="delivery"
        )
        uow.session.add(request)
        uow.session.flush()
        operations.update_request(uow, request.id, agent.id, category=category)
        uow.commit()


def test_retrain_job_learns_a_correction_and_a_second_run_changes_nothing(
    engine: Engine, tmp_path: Path, redis_url: str, embedder: MiniLMEmbedder
) -> None:
    container = build(engine, tmp_path, redis_url, embedder)
    service = container.router.classifier  # type: ignore[union-attr]
    assert service is not None
    texts = [t for group in TRAIN.values() for t in group]
    labels = [label for label, group in TRAIN.items() for _ in group]
    service.train(texts, labels)
    recategorise(container, "voucher code from the newsletter is rejected at checkout", "billing")
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    container.tasks = RqQueue(redis_url, prefix=prefix)

    container.tasks.enqueue("default", "retrain_router")
    run_worker(redis_url, burst=True, prefix=prefix)
    assert service.store.active_version() == 2
    info = service.store.info(2)
    assert info.corrections_through >= 1 and info.metrics["held_out_check"]["n"] >= 0
    new_texts, new_labels = service.store.training_rows(2)
    assert new_texts[-1].startswith("voucher code") and new_labels[-1] == "billing"

    container.tasks.enqueue("default", "retrain_router")
    run_worker(redis_url, burst=True, prefix=prefix)
    assert [v.version for v in service.store.versions()] == [1, 2]
    assert service.store.active_version() == 2
