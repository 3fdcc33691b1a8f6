"""Contract pages: the list with the entitlement left, one contract with its usage, and
the create and edit form (admins and sales reps; agents and read-only users look)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from crm_core.contracts.models import Contract, IncidentUse, TimeEntry
from crm_core.contracts.operations import get_contract, list_contracts, save_contract
from crm_core.contracts.reminders import holder_of
from crm_core.contracts.terms import status_on
from crm_core.contracts.usage import entitlement_of, entitlements_of
from crm_core.db import utcnow
from crm_core.orders.models import Product
from servicedesk.current import container_of
from servicedesk.desk import queries
from servicedesk.desk.models import Agent
from servicedesk.web.contracts.access import contract_viewer
from servicedesk.web.contracts.blueprint import contracts
from servicedesk.web.contracts.forms import ContractForm
from servicedesk.web.ids import parse_id

USAGE_SHOWN = 200


@contracts.get("/")
@login_required  # type: ignore[misc]
def index() -> ResponseReturnValue:
    with container_of().uow() as uow:
        viewer = contract_viewer(uow.session)
        today = utcnow().date()
        listed = list_contracts(uow.session, viewer)
        left = entitlements_of(uow.session, listed)
        rows = [
            (c, status_on(c, today).value, holder_of(uow.session, c)[0], left[c.id]) for c in listed
        ]
        return render_template(
            "contracts/index.html", rows=rows, may_write=bool(viewer.roles & {"admin", "sales"})
        )


@contracts.get("/<int:contract_id>")
@login_required  # type: ignore[misc]
def show(contract_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        session = uow.session
        viewer = contract_viewer(session)
        try:
            contract = get_contract(session, viewer, contract_id)
        except LookupError:
            abort(404)
        return render_template(
            "contracts/contract.html",
            contract=contract,
            status=status_on(contract, utcnow().date()).value,
            holder=holder_of(session, contract)[0],
            entitlement=entitlement_of(session, contract),
            incidents=_usage(session, IncidentUse, contract_id),
            times=_usage(session, TimeEntry, contract_id),
            owner=session.get(Agent, contract.owner_id) if contract.owner_id else None,
            may_write=bool(viewer.roles & {"admin", "sales"}),
        )


def _usage(session: Session, model: type[IncidentUse] | type[TimeEntry], contract_id: int) -> list:  # type: ignore[type-arg]
    query = select(model).where(model.contract_id == contract_id).order_by(model.id.desc())
    return list(session.scalars(query.limit(USAGE_SHOWN)))


@contracts.route("/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new() -> ResponseReturnValue:
    return _edit(None)


@contracts.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit(contract_id: int) -> ResponseReturnValue:
    return _edit(contract_id)


def _edit(contract_id: int | None) -> ResponseReturnValue:
    form = ContractForm()
    with container_of().uow() as uow:
        session = uow.session
        viewer = contract_viewer(session, write=True)
        _set_choices(form, session)
        if not form.is_submitted():
            if contract_id is not None:
                form.fill(session.get(Contract, contract_id) or abort(404))
            else:
                form.organization_id.data = parse_id(request.args.get("organisation"))
                form.customer_id.data = parse_id(request.args.get("customer"))
        elif form.validate_on_submit():
            try:
                saved = save_contract(session, viewer, form.to_draft(), contract_id)
                uow.commit()
            except (ValueError, LookupError) as error:
                form.form_errors.append(str(error))
            else:
                flash(f"Contract {saved.number} saved.", "ok")
                return redirect(url_for("contracts.show", contract_id=saved.id))
    status = 400 if form.is_submitted() else 200
    return render_template("contracts/edit.html", form=form, contract_id=contract_id), status


def _set_choices(form: ContractForm, session: Session) -> None:
    products = session.scalars(select(Product).order_by(Product.name)).all()
    form.product_ids.choices = [SelectChoice(p.id, f"{p.name} ({p.sku})") for p in products]
    form.owner_id.choices = [SelectChoice(0, "(the holder's owner)")] + [
        SelectChoice(a.id, a.name) for a in queries.all_agents(session)
    ]
