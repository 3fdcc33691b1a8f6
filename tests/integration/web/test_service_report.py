"""The service report: figures, the console page with its chart data, CSV and the CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import text

from channels.messages import InboundMessage, Sender
from crm_core.db import utcnow
from servicedesk.container import Container
from servicedesk.desk.models import Status
from servicedesk.desk.operations import change_status, post_reply, receive_inbound
from servicedesk.desk.reports.service import service_report
from servicedesk.desk.sla.admin import load_setup_file
from servicedesk.desk.sla.sweep import sweep_due_events
from tests.factories import make_agent

POLICY = {"name": "standard", "targets": {"normal": {"first_response": 60}}}


def _seed(container: Container) -> None:
    """Three email requests answered after 10, 20 and 90 minutes (the last breaches)."""
    with container.uow() as uow:
        load_setup_file(uow.session, {"policies": [POLICY]})
        agent = make_agent(uow, "Ana")
        uow.commit()
    for n, minutes in enumerate((10, 20, 90)):
        with container.uow() as uow:
            opened = receive_inbound(
                uow,
                InboundMessage(
                    channel="email",
                    external_id=f"rep-{n}",
                    sender=Sender("email", f"rep{n}@customer.example"),
                    subject=f"Report {n}",
                    text="Hi",
                ),
            )
            uow.commit()
        past = utcnow() - timedelta(minutes=minutes)
        with container.uow() as uow:
            uow.session.execute(
                text("UPDATE service_requests SET created_at = :t WHERE id = :i"),
                {"t": past, "i": opened.request_id},
            )
            uow.session.execute(
                text("UPDATE messages SET created_at = :t WHERE request_id = :i"),
                {"t": past, "i": opened.request_id},
            )
            uow.commit()
        sweep_due_events(container.uow, utcnow())
        with container.uow() as uow:
            post_reply(uow, opened.request_id, agent.id, "Done")
            change_status(uow, opened.request_id, Status.SOLVED)
            uow.commit()


def test_report_figures_page_and_csv(container: Container, agent_client: FlaskClient) -> None:
    _seed(container)
    day = datetime.now(UTC).date()
    with container.uow() as uow:
        groups = service_report(
            uow.session,
            datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=UTC),
            datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC),
        )
    overall = next(g for g in groups if g.dimension == "all")
    assert overall.requests == 3 and overall.sla_requests == 3 and overall.sla_met == 2
    assert overall.attainment_pct == 66.7
    assert overall.first_response_median_min is not None
    assert 19 <= overall.first_response_median_min <= 22
    assert 89 <= (overall.first_response_p90_min or 0) <= 92
    assert {g.value for g in groups if g.dimension == "agent"} == {"(unassigned)"}

    span = {"from": str(day - timedelta(days=1)), "to": str(day)}
    page = agent_client.get("/console/reports/service", query_string=span).get_data(as_text=True)
    assert "66.7% (2/3)" in page and "report-data" in page and "chart" in page
    exported = agent_client.get("/console/reports/service.csv", query_string=span)
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0]["dimension"] == "all" and rows[0]["attainment_pct"] == "66.7"
    assert agent_client.get("/console/reports/service?from=nope").status_code == 400
