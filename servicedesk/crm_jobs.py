"""The CRM's and sales' background jobs: lifecycle stages, lead scores and model,
retention, and the console's imports. Called like every job, with a `JobContext`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from crm_core.importing.kinds import RowSettings
from crm_core.importing.uploads import dry_run_upload, run_upload
from servicedesk.config import Config
from servicedesk.job_context import JobContext

log = logging.getLogger(__name__)


def recompute_lifecycle(context: JobContext) -> int:
    """The daily job: every ordering customer's lifecycle stage, with their request activity
    keeping them from churning (default queue, daily; also `servicedesk sales lifecycle`)."""
    from crm_core.db import utcnow
    from crm_core.lifecycle import recompute_all
    from servicedesk.desk.sales_facts import last_request_activity

    def run() -> int:
        with context.uow() as uow:
            session = uow.session
            activity = last_request_activity(session)
            changed = recompute_all(session, context.config.lifecycle_rules(), utcnow(), activity)
            uow.commit()
        return changed

    changed = context.write_guard.run(run)
    log.info("recompute_lifecycle: %d customers changed stage", changed)
    return changed


def train_lead_model(context: JobContext) -> None:
    """Learn the leads' conversion probability and re-score open leads (default queue)."""
    from crm_core.sales.lead_model import NotEnoughClosedLeads
    from crm_core.sales.lead_training import train_and_rescore

    try:
        metrics, rescored = train_and_rescore(context.uow, context.config.lead_model_dir)
    except NotEnoughClosedLeads as error:
        log.info("train_lead_model: %s", error)
        return
    log.info("train_lead_model: AUC %.3f, %d open leads re-scored", metrics.auc, rescored)


def rescore_leads(context: JobContext) -> None:
    """Re-score every open lead: behaviour points decay with time (daily)."""
    from crm_core.sales.lead_training import rescore_open_leads

    done = rescore_open_leads(context.uow, context.config.lead_model_dir)
    log.info("rescore_leads: %d open leads re-scored", done)


def apply_retention(context: JobContext) -> None:
    """Redact what the retention settings say is due (daily; a second run finds nothing)."""
    from servicedesk.desk.privacy import RetentionRule
    from servicedesk.desk.privacy import apply_retention as apply

    rule = RetentionRule(context.config.retention_closed_request_years)
    if not rule.enabled:
        return
    with context.uow() as uow:
        report = apply(uow, rule, context.attachments)
        uow.commit()
    log.info("apply_retention: %d requests redacted", len(report.request_ids))


def crm_row_settings(config: Config, owners: Mapping[str, int] | None = None) -> RowSettings:
    """How imported rows are read: the configured phone region and date order, and the
    agents (by email) an owner column may name."""
    from crm_core.normalise import DateOrder

    order = config.crm_date_order
    region = (config.crm_phone_region or "").upper() or None
    date_order = DateOrder(order) if order else None
    return RowSettings(region=region, date_order=date_order, owners=owners or {})


def _row_settings(context: JobContext) -> RowSettings:
    from servicedesk.desk.reps import agent_ids_by_email

    with context.uow() as uow:
        owners = agent_ids_by_email(uow.session)
    return crm_row_settings(context.config, owners)


def imports_dir(config: Config) -> Path:
    """Where the console keeps uploaded import files."""
    return config.instance_dir / "imports"


def import_upload(context: JobContext, upload_id: int) -> None:
    """Import (or resume importing) a file uploaded in the console (default queue)."""
    directory, settings = imports_dir(context.config), _row_settings(context)
    # Each batch as the process's SQLite writer, retried when another writer held it.
    run_upload(context.uow, upload_id, directory, settings, context.write_guard.run)


def dry_run_import(context: JobContext, upload_id: int) -> None:
    """Dry-run a file uploaded in the console with its chosen mapping (default queue)."""
    directory, settings = imports_dir(context.config), _row_settings(context)
    # As the process's SQLite writer, retried when another process held the lock.
    dry_run_upload(context.uow, upload_id, directory, settings, context.write_guard.run)


CRM_JOBS = {
    "recompute_lifecycle": recompute_lifecycle,
    "train_lead_model": train_lead_model,
    "rescore_leads": rescore_leads,
    "apply_retention": apply_retention,
    "import_upload": import_upload,
    "dry_run_import": dry_run_import,
}
