"""`servicedesk demo` shows SLAs at work: a business-hours policy, one near breach, one late."""

from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_core.db import utcnow
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.demo import load_demo, mark_outage
from servicedesk.demo_slack import load_slack_conversation
from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.sla.models import SlaBreach


def test_demo_has_a_request_near_breach_and_one_breached(engine: Engine, tmp_path: Path) -> None:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="k",
        testing=True,
    )
    container = Container.build(config, synchronous_jobs=True)
    for _ in range(2):  # twice, as `servicedesk demo` loads it: nothing new the 2nd time
        load_demo(container.uow)
        mark_outage(container.uow, load_slack_conversation(container))
    with container.uow() as uow:
        requests = {r.channel: r for r in uow.session.scalars(select(ServiceRequest))}
        assert requests["email"].sla_policy == "Business hours"
        chat = requests["webchat"]
        assert chat.sla_policy == "Live channels" and chat.sla_state == "running"
        due = (
            chat.sla_due_at.replace(tzinfo=UTC)
            if chat.sla_due_at.tzinfo is None
            else chat.sla_due_at
        )
        assert timedelta(minutes=5) < due - utcnow() < timedelta(minutes=11)
        breaches = list(uow.session.scalars(select(SlaBreach)))
        assert [(b.request_id, b.clock) for b in breaches] == [
            (requests["slack"].id, "first_response")
        ]
