"""Logging time on a request from its console page: counted against its contract's hours."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from servicedesk.current import container_of
from servicedesk.desk.contracts import log_request_time
from servicedesk.desk.models import Agent
from servicedesk.web.contracts.blueprint import contracts
from servicedesk.web.contracts.forms import TimeForm
from servicedesk.web.viewing import current_viewer


@contracts.post("/requests/<int:request_id>/time")
@login_required  # type: ignore[misc]
def log_time(request_id: int) -> ResponseReturnValue:
    form = TimeForm()
    back = redirect(url_for("console.show_request", request_id=request_id))
    if not form.validate_on_submit():
        for name, messages in form.errors.items():
            flash(f"{name}: {'; '.join(messages)}", "error")
        return back
    with container_of().uow() as uow:
        if not current_viewer(uow.session, missing=403).may_write:
            abort(403)  # read-only users change nothing
        agent = uow.session.get_one(Agent, int(current_user.id))
        try:
            log_request_time(
                uow.session, request_id, agent, form.minutes.data, form.note.data or ""
            )
        except LookupError:
            abort(404)
        except ValueError as error:
            flash(str(error), "error")
            return back
        uow.commit()
    flash(f"{form.minutes.data} minutes logged.", "ok")
    return back
