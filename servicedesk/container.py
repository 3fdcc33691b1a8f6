"""The composition root's parts, shared by the web app, the CLI and rq workers.

Nothing here connects at import time; `Container.build(config)` creates the engine and
the ports, and the first database or model access happens only when something asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from crm_core.db import UnitOfWork, make_engine, make_session_factory
from knowledge.embedding import Embedder, shared_embedder
from servicedesk.config import Config


@dataclass
class Container:
    """Engine, sessions and ports for one process."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    services: dict[str, object] = field(default_factory=dict)

    @classmethod
    def build(cls, config: Config) -> Container:
        config.instance_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(config.database_url)
        return cls(config=config, engine=engine, sessions=make_session_factory(engine))

    def uow(self) -> UnitOfWork:
        """A new unit of work; use as `with container.uow() as uow: ...; uow.commit()`."""
        return UnitOfWork(self.sessions)

    @cached_property
    def embedder(self) -> Embedder:
        """The process-wide sentence embedder (the model loads on first encode)."""
        return shared_embedder(self.config.model_path)
