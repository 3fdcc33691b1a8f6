"""Retention: closed requests of churned customers are redacted after N years, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from crm_core.audit import AuditEntry
from crm_core.customers import LifecycleStage
from crm_core.db import utcnow
from servicedesk.desk.models import RequestSuggestions, ServiceRequest, Status
from servicedesk.desk.privacy import RetentionRule, apply_retention
from servicedesk.jobs import DAILY, run_job
from tests.factories import make_customer, make_request

LONG_AGO = timedelta(days=365 * 4)


def plant(container) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with container.uow() as uow:
        gone = make_customer(uow, "Gina Gone")
        gone.lifecycle_stage = LifecycleStage.CHURNED
        loyal = make_customer(uow, "Lou Loyal")
        loyal.lifecycle_stage = LifecycleStage.LOYAL
        ids = {
            "old": make_request(uow, gone, subject="Gina's old lamp", status=Status.CLOSED).id,
            "recent": make_request(uow, gone, subject="Gina's new lamp", status=Status.CLOSED).id,
            "open": make_request(uow, gone, subject="Gina's open lamp", status=Status.OPEN).id,
            "loyal": make_request(uow, loyal, subject="Lou's old lamp", status=Status.SOLVED).id,
        }
        for key in ("old", "open", "loyal"):
            uow.session.get(ServiceRequest, ids[key]).updated_at = utcnow() - LONG_AGO
        similar = [{"request_id": ids["old"], "subject": "Gina's old lamp"}]
        uow.session.add(RequestSuggestions(request_id=ids["loyal"], solved_requests=similar))
        uow.commit()
    return ids


def subjects(container) -> dict[int, str]:  # type: ignore[no-untyped-def]
    with container.uow() as uow:
        return dict(uow.session.execute(select(ServiceRequest.id, ServiceRequest.subject)).all())


def test_rule_redacts_only_what_is_due_and_only_once(container) -> None:
    ids = plant(container)
    rule = RetentionRule(closed_request_years=3)
    with container.uow() as uow:
        assert apply_retention(uow, RetentionRule(0), container.attachments).request_ids == []
        dry = apply_retention(uow, rule, container.attachments, dry_run=True)
        assert dry.request_ids == [ids["old"]]
    assert subjects(container)[ids["old"]] == "Gina's old lamp"  # a dry run writes nothing
    with container.uow() as uow:
        done = apply_retention(uow, rule, container.attachments)
        uow.commit()
    assert done.as_json()["requests"] == 1
    after = subjects(container)
    assert after[ids["old"]] == "[erased]"
    assert after[ids["recent"]] == "Gina's new lamp"
    assert after[ids["open"]] == "Gina's open lamp"
    assert after[ids["loyal"]] == "Lou's old lamp"
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ServiceRequest)) == 4
        assert uow.session.get(RequestSuggestions, ids["loyal"]).solved_requests == []
        assert apply_retention(uow, rule, container.attachments).request_ids == []
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention")
        ).one()
        assert entry.changes["requests_redacted"] == 1


def test_the_daily_job_applies_the_setting(container) -> None:
    assert ("default", "apply_retention") in DAILY
    ids = plant(container)
    run_job(container, "apply_retention")  # off by default: nothing happens
    assert subjects(container)[ids["old"]] == "Gina's old lamp"
    container.config = replace(container.config, retention_closed_request_years=3)
    run_job(container, "apply_retention")
    run_job(container, "apply_retention")  # safe twice
    assert subjects(container)[ids["old"]] == "[erased]"
