"""The composition root's parts, shared by the web app, the CLI and rq workers.

Nothing here connects at import time; `Container.build(config)` creates the engine and
the ports, and the first database, Redis or model access happens only when asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from channels.base import ChannelAdapter
from channels.registry import AdapterRegistry
from crm_core.campaigns.workflows.events import MarketingEvent
from crm_core.campaigns.workflows.hook import SINK_KEY
from crm_core.crypto import FieldCrypto, derive_keys, session_info
from crm_core.customers.standard import PHONE_REGION_KEY
from crm_core.db import UnitOfWork, make_engine, make_session_factory
from servicedesk.config import Config
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.door import IntakeDoor
from servicedesk.desk.operations import receive_inbound
from servicedesk.desk.ports import Notifier, RepNotifier, TaskQueue
from servicedesk.desk.routing.router import Router
from servicedesk.desk.routing.service import CategoryService
from servicedesk.desk.routing.urgency import urgency_service
from servicedesk.desk.writer import WriteGuard
from servicedesk.dispatch import dispatch
from servicedesk.jobs import run_batch
from servicedesk.lanes import coalescing
from servicedesk.queues import InProcessQueue, RqQueue
from servicedesk.realtime import rooms
from servicedesk.realtime.notifier import RecordingNotifier, RedisNotifier

# Where a customer reads one of their requests in the help centre (web/portal/requests.py).
HELP_CENTRE_REQUESTS = "/help/requests/"

log = logging.getLogger(__name__)


def crm_session_info(config: Config) -> dict[str, object]:
    """What every session carries for the CRM: the field keys and the phone region.

    Keys from the settings when given; otherwise derived from the instance's secret key
    (the embedded default, so `make demo` needs no settings).
    """
    derived_key, derived_search = derive_keys(config.secret_key)
    crypto = FieldCrypto(
        encryption_keys=config.crm_encryption_keys or (derived_key,),
        search_key=config.crm_search_key.encode() if config.crm_search_key else derived_search,
    )
    return session_info(crypto, **{PHONE_REGION_KEY: config.crm_phone_region})


def _enrol_later(container: Container, found: list[MarketingEvent]) -> None:
    """Hand the marketing events of a commit to the workflows' enrolment job."""
    container.tasks.enqueue("default", "enrol_in_workflows", [event.as_json() for event in found])


if TYPE_CHECKING:
    from knowledge.embedding import Embedder
    from knowledge.service import KnowledgeBase

if TYPE_CHECKING:
    from channels.email.intake import EmailIntake
    from channels.email.parser import ParseLimits
    from crm_core.privacy import PrivacyRegistry


class LoggedRepNotifier:
    """The rep notifier until the Slack channel provides one: a log line per alert."""

    def notify_rep(self, request_id: int, text: str) -> None:
        log.info("SLA alert for the rep of request %s: %s", request_id, text)


@dataclass
class Container:
    """Engine, sessions and ports for one process."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    notifier: Notifier
    adapters: AdapterRegistry = field(default_factory=AdapterRegistry)
    router: Router | None = None
    # Who tells a customer's rep about SLA alerts (the Slack branch swaps in its own).
    rep_notifier: RepNotifier = field(default_factory=LoggedRepNotifier)
    # Set by `build`: the in-process queue runs jobs with this container.
    tasks: TaskQueue = field(init=False)

    @classmethod
    def build(cls, config: Config, *, synchronous_jobs: bool = False) -> Container:
        config.instance_dir.mkdir(parents=True, exist_ok=True)
        # No pre-ping: a round trip per unit of work doubled the chat p99 on PostgreSQL
        # (bench/chat_latency.py). After a database restart SQLAlchemy sees the disconnect
        # on first use, fails that operation and renews the pool; jobs retry, widgets resend.
        engine = make_engine(config.database_url)
        built = cls(
            config=config,
            engine=engine,
            sessions=make_session_factory(
                engine,
                # Marketing events (workflow triggers) noticed in a commit become a job.
                {**crm_session_info(config), SINK_KEY: lambda found: _enrol_later(built, found)},
            ),
            # The web app swaps in its Socket.IO server; elsewhere Redis carries the events.
            notifier=RedisNotifier(config.redis_url) if config.redis_url else RecordingNotifier(),
        )
        built.tasks = (
            RqQueue(config.redis_url)
            if config.redis_url
            else InProcessQueue(built, synchronous=synchronous_jobs)
        )
        built.tasks = coalescing(
            built.tasks,
            config.redis_url,
            lambda job, batch: run_batch(built, job, batch),
            synchronous=synchronous_jobs,
            config=config,
        )
        built._register_adapters()
        # The classifier loads its model files and the sentence model on first use only.
        built.router = Router(
            CategoryService(config.models_dir, built.embedder),
            urgency=urgency_service(config.models_dir, built.embedder),
        )
        return built

    def _register_adapters(self) -> None:
        from channels.portal.adapter import PortalAdapter
        from channels.webchat import WebchatAdapter

        # Through whichever notifier the process ends up with (looked up at send time).
        self.adapters.register(WebchatAdapter(self._emit, rooms.conversation))
        self.adapters.register(PortalAdapter())
        from channels.email.adapter import adapter_from_settings

        # Always there, so mail is parsed by it; it refuses to send without SMTP settings.
        config = self.config
        self.adapters.register(
            adapter_from_settings(
                config.mail_smtp_url,
                config.mail_from,
                self.sessions,
                self.mail_limits(),
                request_url=f"{config.base_url}{HELP_CENTRE_REQUESTS}",
            )
        )

        if config.slack_enabled:
            self.adapters.register(self._slack_adapter())

    def _slack_adapter(self) -> ChannelAdapter:
        from channels.slack import SlackSettings, build_adapter
        from servicedesk.desk.accounts import active_agent_id

        config = self.config
        settings = SlackSettings(
            signing_secret=config.slack_signing_secret or "",
            channels=config.slack_channels,
            attachment_max_bytes=config.attachment_max_bytes,
            attachment_max_count=config.attachment_max_count,
        )
        return build_adapter(
            settings,
            self.sessions,
            self.write_guard.run,
            active_agent_id,
            token=config.slack_bot_token,
            api_url=config.slack_api_url,
        )

    def _emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        self.notifier.emit(event, payload, room)  # the web app replaces the notifier later

    def uow(self) -> UnitOfWork:
        """A new unit of work whose committed events are dispatched to notifier and tasks."""
        return UnitOfWork(self.sessions, publish=self._publish)

    def _publish(self, published: list[object]) -> None:
        dispatch(published, self.notifier, self.tasks)

    def warm_up(self) -> None:
        """Load the sentence model now if requests will need it, not inside the first one:
        under gevent a six-second load in a request stalls every socket of the process."""
        classifier = self.router.classifier if self.router is not None else None
        searched = self.knowledge.has_content()
        if searched or (classifier is not None and classifier.store.active_version() is not None):
            self.embedder.encode(["warm-up"])  # routing, and storing solved requests
        if searched:  # and the int8 copy that encodes searched questions
            self.knowledge.searcher.embedder.encode(["warm-up"])

    @cached_property
    def write_guard(self) -> WriteGuard:
        """Makes this process the only SQLite writer at a time (see `desk.writer`)."""
        return WriteGuard(self.engine.dialect.name)

    @property
    def intake(self) -> IntakeDoor:
        """The one door for customer messages of every channel (see `desk.door`); built on
        each use, so a router swapped in after start-up (retraining) is the one used."""
        return IntakeDoor(
            self.uow,
            self.adapters,
            self.write_guard,
            router=self.router,
            attachments=self.attachments,
        )

    @cached_property
    def attachments(self) -> AttachmentStore:
        return AttachmentStore(self.config.attachment_dir, self.config.attachment_max_bytes)

    @cached_property
    def privacy(self) -> PrivacyRegistry:
        """Every package's GDPR exporters and erasers (see `desk.privacy`)."""
        from channels.email.privacy import erase_mail_traces
        from channels.webchat.privacy import erase_chat_traces
        from servicedesk.desk.privacy import registry_with

        def channel_parts(registry: PrivacyRegistry) -> None:
            email_tables = ["email_ingested", "email_quarantine", "email_automatic_log"]
            registry.add_eraser("email", erase_mail_traces, email_tables)
            registry.add_eraser("webchat", erase_chat_traces, ["webchat_deflections"])

        return registry_with(self.attachments, [channel_parts])

    def mail_limits(self) -> ParseLimits:
        """Parse limits from the config: a mail may carry every attachment it is allowed."""
        from channels.email.parser import ParseLimits

        config = self.config
        return ParseLimits(
            attachment_max_bytes=config.attachment_max_bytes,
            attachment_max_count=config.attachment_max_count,
            max_message_bytes=max(2 * config.attachment_max_bytes + 1024 * 1024, 10 * 1024 * 1024),
        )

    def mail_intake(self) -> EmailIntake:
        """The registry's email adapter, the desk's one entry, and our mailboxes' addresses."""
        from channels.email.intake import EmailIntake
        from channels.email.mailboxes import own_addresses

        with self.sessions() as session:
            own = own_addresses(session, (self.config.mail_from,))
        deliver = partial(receive_inbound, router=self.router, attachments=self.attachments)
        adapter = self.adapters.get("email")
        return EmailIntake(adapter, deliver, own, worker_limits=self.mail_limits())

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        """Search and index maintenance; the whoosh index lives in the instance dir."""
        from knowledge.embedding import query_encoder_for
        from knowledge.service import KnowledgeBase  # whoosh and NumPy: loaded when used

        # Questions are encoded by the model's int8 copy (several per chat turn), what is
        # stored by the float model: the mix ranks as well (BENCHMARKS.md).
        return KnowledgeBase(
            self.sessions,
            self.config.whoosh_dir,
            self.embedder,
            query_embedder=query_encoder_for(self.embedder),
        )

    @cached_property
    def embedder(self) -> Embedder:
        """The process-wide sentence embedder (the model loads on first encode)."""
        from knowledge.embedding import RecentEncodings, shared_embedder

        return RecentEncodings(shared_embedder(self.config.model_path))
