"""Admins set agents' roles here (the CLI does the same: `servicedesk agent roles`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from crm_core.access import PermissionDenied
from servicedesk.current import container_of
from servicedesk.desk.errors import InvalidChange, NotFound
from servicedesk.desk.models import Agent
from servicedesk.desk.role_admin import set_roles
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.crm.forms_privacy import RolesForm
from servicedesk.web.viewing import admin_only, current_viewer


@crm.get("/roles")
@login_required  # type: ignore[misc]
def roles() -> ResponseReturnValue:
    admin_only()
    with container_of().uow() as uow:
        agents = uow.session.scalars(select(Agent).order_by(Agent.name)).all()
        forms = {agent.id: RolesForm(formdata=None, roles=list(agent.roles)) for agent in agents}
        return render_template("crm/roles.html", agents=agents, forms=forms)


@crm.post("/roles/<int:agent_id>")
@login_required  # type: ignore[misc]
def set_agent_roles(agent_id: int) -> ResponseReturnValue:
    admin_only()
    form = RolesForm()
    if not form.validate_on_submit():
        flash("roles: the form expired; try again", "error")
        return redirect(url_for("crm.roles")), 303
    with container_of().uow() as uow:
        try:
            agent = set_roles(
                uow.session,
                current_viewer(uow.session),
                agent_id,
                list(form.roles.data or []),
                reason=form.reason.data or None,
            )
        except NotFound:
            abort(404)
        except PermissionDenied:
            abort(403)
        except InvalidChange as error:
            flash(str(error), "error")
            return redirect(url_for("crm.roles")), 303
        uow.commit()
        flash(f"{agent.name}: roles {', '.join(agent.roles)}", "ok")
    return redirect(url_for("crm.roles")), 303
