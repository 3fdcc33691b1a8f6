"""The customer edit page: contact details, owner, tier, tags, an address, custom fields."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from crm_core.access import PermissionDenied
from crm_core.customers import Customer
from crm_core.customers.custom_fields import custom_values, definitions
from crm_core.customers.field_models import FieldEntity
from crm_core.customers.operations import TIERS, AddressInput, tags_of
from servicedesk.current import container_of
from servicedesk.desk.customer_edit import ChangeRefused, CustomerChange, edit_customer
from servicedesk.desk.owners import owner_choices
from servicedesk.web.crm.access import current_viewer
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.ids import parse_id

ADDRESS_PARTS = ("line1", "line2", "city", "region", "postcode", "country")


def _change(form: MultiDict[str, str], custom_keys: list[str]) -> CustomerChange:
    parts = {part: form.get(f"address_{part}", "")[:300] for part in ADDRESS_PARTS}
    address = None
    if any(value.strip() for value in parts.values()):
        address = AddressInput(kind=form.get("address_kind", "other")[:20], **parts)
    tags = tuple(t.strip() for t in form.get("tags", "")[:1000].split(",") if t.strip())
    return CustomerChange(
        name=form.get("name", "")[:200],
        email=form.get("email", "")[:320],
        phone=form.get("phone", "")[:60],
        owner_id=parse_id(form.get("owner_id")),
        tier=form.get("tier", "standard")[:40],
        tags=tags,
        address=address,
        custom={key: form.get(f"custom_{key}", "")[:2000] for key in custom_keys},
    )


@crm.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit_customer_page(customer_id: int) -> ResponseReturnValue:
    form = FlaskForm()
    with container_of().uow() as uow:
        session = uow.session
        customer = session.get(Customer, customer_id)
        if customer is None:
            abort(404)
        fields = definitions(session, FieldEntity.CUSTOMER)
        errors: dict[str, str] = {}
        if request.method == "POST" and form.validate_on_submit():
            try:
                edit_customer(
                    session,
                    current_viewer(session),
                    customer_id,
                    _change(request.form, [f.key for f in fields]),
                )
            except PermissionDenied:
                abort(403)
            except ChangeRefused as refused:
                errors = refused.errors
                session.rollback()
                customer = session.get(Customer, customer_id)
            else:
                uow.commit()
                flash("Customer saved.", "ok")
                return redirect(url_for("crm.customer_page", customer_id=customer_id))
        return render_template(
            "crm/customer_edit.html",
            form=form,
            customer=customer,
            errors=errors,
            values=request.form if errors else None,
            tags=", ".join(t.name for t in tags_of(session, customer)),
            owners=owner_choices(session),
            tiers=TIERS,
            fields=fields,
            custom=custom_values(session, customer),
            address_parts=ADDRESS_PARTS,
        ), (400 if errors or request.method == "POST" else 200)
