"""GDPR/CCPA on the customer page: export a person's data, erase a person (admins).

The buttons belong on the customer page (`crm.customer_page`): include
`crm/_privacy_panel.html` there with `customer`, `consent` (`consent_state(session, id)`)
and `consent_form` (`ConsentForm()`). It posts to `crm.export_customer` and
`crm.record_consent` and links to `crm.erase_customer`, which asks for the person's name
before it erases.
"""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from crm_core.access import PermissionDenied
from crm_core.customers import Customer
from crm_core.privacy import ConsentError, is_erased
from servicedesk.current import container_of
from servicedesk.desk.privacy import (
    PersonNotFound,
    erase_person,
    export_person,
    record_customer_consent,
)
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.crm.forms_privacy import ConsentForm, EraseForm, ExportForm
from servicedesk.web.viewing import admin_only, current_viewer


@crm.post("/customers/<int:customer_id>/export")
@login_required  # type: ignore[misc]
def export_customer(customer_id: int) -> ResponseReturnValue:
    """All data of the person as a JSON download (admins, and agents who serve them)."""
    if not ExportForm().validate_on_submit():
        abort(400)
    container = container_of()
    with container.uow() as uow:
        try:
            data = export_person(
                uow.session, container.privacy, current_viewer(uow.session), customer_id=customer_id
            )
        except PersonNotFound:
            abort(404)
        except PermissionDenied:
            abort(403)
        uow.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@crm.route("/customers/<int:customer_id>/erase", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def erase_customer(customer_id: int) -> ResponseReturnValue:
    """Ask for the person's name, then anonymise them everywhere (admins only)."""
    admin_only()
    container = container_of()
    form = EraseForm()
    with container.uow() as uow:
        customer = uow.session.get(Customer, customer_id)
        if customer is None or is_erased(customer):
            abort(404)
        name = customer.display_name
        if not form.validate_on_submit():
            status = 400 if form.is_submitted() else 200
            return render_template("crm/erase.html", form=form, customer=customer), status
        if (form.confirm.data or "").strip() != name:
            form.confirm.errors = [f"type the person's name exactly: {name}"]
            return render_template("crm/erase.html", form=form, customer=customer), 400
        try:
            erase_person(
                uow,
                container.privacy,
                current_viewer(uow.session),
                customer_id=customer_id,
                reason=form.reason.data or None,
            )
        except PermissionDenied:
            abort(403)
        uow.commit()
    flash(f"Customer #{customer_id} was erased; their requests stay, without content.", "ok")
    return redirect(url_for("crm.audit_log", entity="customer", entity_id=customer_id))


@crm.post("/customers/<int:customer_id>/consent")
@login_required  # type: ignore[misc]
def record_consent(customer_id: int) -> ResponseReturnValue:
    """Record a consent answer the person gave an agent or a rep (who may change them)."""
    form = ConsentForm()
    back = url_for("crm.customer_page", customer_id=customer_id)
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            flash(f"{field}: {errors[0]}", "error")
        return redirect(back), 303
    with container_of().uow() as uow:
        if uow.session.get(Customer, customer_id) is None:
            abort(404)
        try:
            record_customer_consent(
                uow.session, current_viewer(uow.session), customer_id, form.purpose.data,
                form.granted.data == "yes", form.source.data,
            )  # fmt: skip
        except PermissionDenied:
            abort(403)
        except ConsentError as error:
            flash(str(error), "error")
            return redirect(back), 303
        uow.commit()
    flash(f"Consent for {form.purpose.data} recorded.", "ok")
    return redirect(back), 303
