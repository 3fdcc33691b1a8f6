"""The customer and organisation pages with their 360 timeline, and notes on a customer."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from crm_core.customers.notes import EmptyNote, add_customer_note
from crm_core.customers.visibility import NotAllowed
from crm_core.privacy import consent_state
from servicedesk.current import container_of
from servicedesk.desk.customer_view import customer_view, organisation_view
from servicedesk.web.crm.access import current_viewer
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.crm.forms import CustomerNoteForm
from servicedesk.web.crm.forms_privacy import ConsentForm

# Where each timeline entry's `ref` links to.
REF_ENDPOINTS = {
    "request": ("console.show_request", "request_id"),
    "customer": ("crm.customer_page", "customer_id"),
    "opportunity": ("sales.opportunity", "opportunity_id"),
    "order": ("sales.order", "order_id"),
    "lead": ("sales.show_lead", "lead_id"),
    "campaign": ("marketing.campaign", "campaign_id"),
}


def ref_url(ref: tuple[str, int] | None) -> str | None:
    if ref is None or ref[0] not in REF_ENDPOINTS:
        return None
    endpoint, argument = REF_ENDPOINTS[ref[0]]
    return url_for(endpoint, **{argument: ref[1]})


@crm.get("/customers/<int:customer_id>")
@login_required  # type: ignore[misc]
def customer_page(customer_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        try:
            view = customer_view(uow.session, current_viewer(uow.session), customer_id)
        except NotAllowed:
            abort(403)
        if view is None:
            abort(404)
        return render_template(
            "crm/customer.html",
            view=view,
            note_form=CustomerNoteForm(),
            ref_url=ref_url,
            customer=view.customer,
            consent=consent_state(uow.session, customer_id),
            consent_form=ConsentForm(),
        )


@crm.post("/customers/<int:customer_id>/notes")
@login_required  # type: ignore[misc]
def add_note(customer_id: int) -> ResponseReturnValue:
    form = CustomerNoteForm()
    back = redirect(url_for("crm.customer_page", customer_id=customer_id))
    if not form.validate_on_submit():
        for name, messages in form.errors.items():
            flash(f"{name}: {'; '.join(messages)}", "error")
        return back
    with container_of().uow() as uow:
        viewer = current_viewer(uow.session)
        try:
            add_customer_note(uow.session, viewer, customer_id, form.text.data, current_user.name)
        except NotAllowed:
            abort(403)
        except LookupError:
            abort(404)
        except EmptyNote as error:
            flash(str(error), "error")
            return back
        uow.commit()
    flash("Note added.", "ok")
    return back


@crm.get("/organisations/<int:organisation_id>")
@login_required  # type: ignore[misc]
def organisation_page(organisation_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        try:
            view = organisation_view(uow.session, current_viewer(uow.session), organisation_id)
        except NotAllowed:
            abort(403)
        if view is None:
            abort(404)
        return render_template("crm/organisation.html", view=view, ref_url=ref_url)
