"""Retention: what is kept no longer than a set time, applied by a daily job.

The rule today: the closed (and solved) requests of churned customers are redacted once
they were last touched `closed_request_years` ago. Redaction is the erasure's
(`redact_requests`): the rows stay and count, their text, attachments and vectors go.
Running it twice changes nothing more: redacted requests are not picked again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.audit import record_entry
from crm_core.customers import Customer, LifecycleStage
from crm_core.db import UnitOfWork, utcnow
from crm_core.privacy import erasure_of
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.models import ServiceRequest, Status
from servicedesk.desk.privacy.requests import REDACTED, drop_suggestions_of, redact_requests

DONE = (Status.SOLVED, Status.CLOSED)


@dataclass(frozen=True)
class RetentionRule:
    """`closed_request_years` 0 switches the rule off."""

    closed_request_years: int = 0

    @property
    def enabled(self) -> bool:
        return self.closed_request_years > 0


@dataclass
class RetentionReport:
    dry_run: bool
    cutoff: str | None
    request_ids: list[int] = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "cutoff": self.cutoff,
            "requests": len(self.request_ids),
            "request_ids": self.request_ids,
            "customers": len(self.customer_ids),
        }


def due_requests(uow: UnitOfWork, cutoff: datetime) -> dict[int, list[int]]:
    """Customer id -> ids of their done requests untouched since `cutoff`, not yet redacted."""
    rows = uow.session.execute(
        select(ServiceRequest.customer_id, ServiceRequest.id)
        .join(Customer, Customer.id == ServiceRequest.customer_id)
        .where(
            Customer.lifecycle_stage == LifecycleStage.CHURNED,
            ServiceRequest.status.in_(DONE),
            ServiceRequest.updated_at < cutoff,
            ServiceRequest.subject != REDACTED,
        )
        .order_by(ServiceRequest.id)
    )
    found: dict[int, list[int]] = defaultdict(list)
    for customer_id, request_id in rows:
        found[customer_id].append(request_id)
    return dict(found)


def apply_retention(
    uow: UnitOfWork,
    rule: RetentionRule,
    store: AttachmentStore | None,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    """Redact what the rule says is due; the caller commits (nothing written on a dry run)."""
    if not rule.enabled:
        return RetentionReport(dry_run, None)
    cutoff = (now or utcnow()) - timedelta(days=365 * rule.closed_request_years)
    due = due_requests(uow, cutoff)
    report = RetentionReport(
        dry_run,
        cutoff.isoformat(),
        sorted(r for ids in due.values() for r in ids),
        sorted(due),
    )
    if dry_run or not due:
        return report
    session = uow.session
    for customer_id, request_ids in due.items():
        customer = session.get(Customer, customer_id)
        identifiers = erasure_of(session, customer).identifiers if customer else []
        later: list[Callable[[], None]] = []
        redact_requests(session, request_ids, identifiers, store, later, drop_suggestions=False)
        for callback in later:
            uow.after_commit(callback)
    drop_suggestions_of(session, report.request_ids)  # once: it reads every list
    record_entry(
        session,
        Viewer.system("retention"),
        "retention",
        "closed_requests_of_churned",
        "retention",
        changes={"requests_redacted": len(report.request_ids), "cutoff": report.cutoff},
    )
    session.flush()
    return report
