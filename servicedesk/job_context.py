"""What jobs are handed: the parts of the process's container they use.

Its own module so every job module (`jobs`, `crm_jobs`) can name it without importing
the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from crm_core.db import UnitOfWork
from servicedesk.desk.ports import Notifier, RepNotifier, TaskQueue

if TYPE_CHECKING:
    from channels.registry import AdapterRegistry
    from knowledge.service import KnowledgeBase
    from servicedesk.config import Config
    from servicedesk.desk.attachments import AttachmentStore
    from servicedesk.desk.routing.router import Router
    from servicedesk.desk.writer import WriteGuard


class JobContext(Protocol):
    """What jobs use of the process's container (`servicedesk.container.Container`)."""

    config: Config
    adapters: AdapterRegistry
    notifier: Notifier
    router: Router | None
    rep_notifier: RepNotifier
    tasks: TaskQueue  # where a job enqueues its follow-ups (workflow steps, suggestion drains)

    def uow(self) -> UnitOfWork: ...

    @property
    def knowledge(self) -> KnowledgeBase: ...

    @property
    def write_guard(self) -> WriteGuard: ...

    @property
    def attachments(self) -> AttachmentStore: ...
