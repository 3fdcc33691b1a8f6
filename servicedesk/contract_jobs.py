"""The service contracts' daily job: renewal reminders to each contract's owner.

Each reminder is claimed in SQL before it is sent, so a second run (or a second
process) sends nothing again. It goes as a Slack DM when the Slack channel is on and the
owner has a Slack account, else as a console notification to the owner (a toast, and a
desktop notice when allowed).
"""

from __future__ import annotations

import logging
from datetime import date

from crm_core.contracts.models import Contract
from crm_core.contracts.reminders import DueReminder, claim_reminder, due_reminders, holder_of
from crm_core.db import utcnow
from servicedesk import notices
from servicedesk.job_context import JobContext
from servicedesk.realtime import rooms

log = logging.getLogger(__name__)


def remind_contract_renewals(context: JobContext, day: str | None = None) -> int:
    """Send the renewal reminders due on `day` (ISO date; today by default); how many."""
    today = date.fromisoformat(day) if day else utcnow().date()
    with context.uow() as uow:
        due = due_reminders(uow.session, today)
    sent = 0
    for reminder in due:
        text = _claim(context, reminder)
        if text is None:
            continue  # another run sent it
        _send(context, reminder, text)
        sent += 1
    log.info("remind_contract_renewals: %d reminders sent", sent)
    return sent


def _claim(context: JobContext, reminder: DueReminder) -> str | None:
    with context.uow() as uow:
        if not claim_reminder(uow.session, reminder):
            return None
        contract = uow.session.get_one(Contract, reminder.contract_id)
        text = reminder.text(holder_of(uow.session, contract)[0])
        uow.commit()
    return text


def _send(context: JobContext, reminder: DueReminder, text: str) -> None:
    link = f"{context.config.base_url.rstrip('/')}/contracts/{reminder.contract_id}"
    with context.uow() as uow:
        if notices.notify_rep(
            uow, context.adapters, reminder.owner_id, f"{text} <{link}|open it>", reminder.key
        ):
            return
    payload = {"request_id": None, "text": text, "href": f"/contracts/{reminder.contract_id}"}
    context.notifier.emit("notify", payload, rooms.agent(reminder.owner_id))


CONTRACT_JOBS = {"remind_contract_renewals": remind_contract_renewals}
