"""The audit log for admins: filters by entity, id, action, actor and dates; paginated."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from crm_core.audit import AuditFilter, list_entries
from servicedesk.current import container_of
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.crm.forms_privacy import AuditFilterForm
from servicedesk.web.viewing import admin_only

PER_PAGE = 50


@crm.get("/audit")
@login_required  # type: ignore[misc]
def audit_log() -> ResponseReturnValue:
    admin_only()
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template("crm/audit.html", form=form, page=None), 400
    until = form.until.data
    flt = AuditFilter(
        entity=form.entity.data or None,
        entity_id=form.entity_id.data or None,
        action=form.action.data or None,
        actor_id=form.actor_id.data,
        since=_start_of(form.since.data) if form.since.data else None,
        until=_start_of(until) + timedelta(days=1) if until else None,
    )
    with container_of().uow() as uow:
        page = list_entries(uow.session, flt, form.page.data or 1, PER_PAGE)
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        return render_template("crm/audit.html", form=form, page=page, args=args)


def _start_of(day: object) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)  # type: ignore[arg-type]
