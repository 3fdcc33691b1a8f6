"""A help centre customer's data rights: download everything we hold, delete the account.

Both reuse the CRM's GDPR operations (`desk.privacy`), which audit every export and
erasure. Deleting is confirmed by a single-use link mailed to the account's address, so
a borrowed session alone cannot erase anyone.
"""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Response, abort, render_template
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from crm_core.access import Viewer
from crm_core.confirmations import (
    ERASE_ACCOUNT,
    ConfirmationInvalid,
    find_confirmation,
    start_confirmation,
)
from crm_core.customers import Customer
from crm_core.db import utcnow
from servicedesk.current import container_of
from servicedesk.desk import events
from servicedesk.desk.privacy import erase_person, export_person
from servicedesk.extensions import limiter
from servicedesk.web.portal.blueprint import portal
from servicedesk.web.portal.session import (
    customer_required,
    end_portal_session,
    signed_in_user,
)

ERASE_LINK_LIFETIME = timedelta(hours=1)
TOKEN_MAX = 500


def _self_service(customer_id: int) -> Viewer:
    # The customer acting on their own data: the operations' admin check is met by the
    # proof they gave (signed in; for erasure, the mailed link), and the audit log says so.
    return Viewer.system(name=f"customer #{customer_id} (help centre, own data)")


@portal.get("/account")
@customer_required
def account() -> ResponseReturnValue:
    return render_template("portal/account.html", form=FlaskForm())


@portal.post("/account/export")
@customer_required
@limiter.limit("5 per hour")
def export_my_data() -> ResponseReturnValue:
    if not FlaskForm().validate_on_submit():
        abort(400)
    user = signed_in_user()
    container = container_of()
    with container.uow() as uow:
        data = export_person(
            uow.session,
            container.privacy,
            _self_service(user.customer_id),
            customer_id=user.customer_id,
        )
        uow.commit()
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=my-data.json"},
    )


@portal.post("/account/delete")
@customer_required
@limiter.limit("5 per hour")
def request_deletion() -> ResponseReturnValue:
    if not FlaskForm().validate_on_submit():
        abort(400)
    user = signed_in_user()
    with container_of().uow() as uow:
        customer = uow.session.get(Customer, user.customer_id)
        if customer is None or not customer.email:
            abort(404)
        confirmation, _new = start_confirmation(
            uow.session,
            customer,
            customer.email,
            purpose=ERASE_ACCOUNT,
            lifetime=ERASE_LINK_LIFETIME,
        )
        uow.events.append(events.ConfirmationRequested(confirmation.id))
        address = customer.email
        uow.commit()
    return render_template("portal/account.html", form=FlaskForm(), deletion_sent_to=address)


@portal.route("/account/delete/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def confirm_deletion(token: str) -> ResponseReturnValue:
    form = FlaskForm()
    if len(token) > TOKEN_MAX:
        return render_template("portal/delete.html", form=form, error="this link is not valid"), 400
    if not form.validate_on_submit():
        return render_template("portal/delete.html", form=form)
    container = container_of()
    with container.uow() as uow:
        try:
            confirmation = find_confirmation(
                uow.session, container.config.secret_key, token, purpose=ERASE_ACCOUNT
            )
        except ConfirmationInvalid as error:
            return render_template("portal/delete.html", form=form, error=str(error)), 400
        confirmation.confirmed_at = utcnow()
        customer_id = confirmation.customer_id
        erase_person(
            uow,
            container.privacy,
            _self_service(customer_id),
            customer_id=customer_id,
            reason="the customer's own request in the help centre",
        )
        uow.commit()
    end_portal_session()
    return render_template("portal/delete.html", form=form, done=True)
