"""Order and product pages: the catalogue, orders with lines, status, payments, shipments."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from crm_core.db import utcnow
from crm_core.lifecycle.on_orders import order_context
from crm_core.orders import catalogue
from crm_core.orders import operations as ops
from crm_core.orders.models import Order, OrderStatus, Product
from crm_core.sales.deal_orders import create_order_from_opportunity
from servicedesk.current import container_of
from servicedesk.web.sales.blueprint import sales
from servicedesk.web.sales.deal_access import current_viewer, error_status
from servicedesk.web.sales.deal_forms import (
    OrderForm,
    PaymentForm,
    ProductForm,
    ShipmentForm,
    parse_lines,
)


def _context(session) -> ops.OrderContext:  # type: ignore[no-untyped-def]
    config = container_of().config
    return order_context(current_viewer(session), utcnow(), config.lifecycle_rules())


@sales.get("/products")
@login_required  # type: ignore[misc]
def products() -> ResponseReturnValue:
    with container_of().uow() as uow:
        found = catalogue.list_products(uow.session)
        return render_template("sales/products.html", products=found)


@sales.route("/products/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new_product() -> ResponseReturnValue:
    return _product(None)


@sales.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit_product(product_id: int) -> ResponseReturnValue:
    return _product(product_id)


def _product(product_id: int | None) -> ResponseReturnValue:
    form = ProductForm()
    with container_of().uow() as uow:
        if not form.is_submitted() and product_id is not None:
            row = uow.session.get(Product, product_id) or abort(404)
            form = ProductForm(obj=row)
        elif form.validate_on_submit():
            viewer = current_viewer(uow.session)
            try:
                if product_id is None:
                    catalogue.create_product(uow.session, viewer, form.to_draft())
                else:
                    catalogue.update_product(uow.session, viewer, product_id, form.to_draft())
                uow.commit()
            except ops.OrderError as error:
                form.form_errors.append(str(error))
                return render_template("sales/product_edit.html", form=form), error_status(error)
            flash("Product saved.", "ok")
            return redirect(url_for("sales.products"))
    status = 400 if form.is_submitted() else 200
    return render_template("sales/product_edit.html", form=form), status


@sales.get("/orders")
@login_required  # type: ignore[misc]
def orders() -> ResponseReturnValue:
    with container_of().uow() as uow:
        found = uow.session.scalars(select(Order).order_by(Order.ordered_at.desc()).limit(500))
        return render_template("sales/orders.html", orders=list(found))


@sales.route("/orders/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new_order() -> ResponseReturnValue:
    form = OrderForm()
    if form.validate_on_submit():
        with container_of().uow() as uow:
            skus = {p.sku: p.id for p in catalogue.list_products(uow.session)}
            lines = [
                ops.LineDraft(skus.get(sku, -1), qty)
                for sku, qty in parse_lines(form.products.data)
            ]
            draft = ops.OrderDraft(
                form.customer_id.data, lines, (form.currency.data or "EUR").upper()
            )
            try:
                order = ops.create_order(uow.session, _context(uow.session), draft)
                uow.commit()
            except ops.OrderError as error:
                form.form_errors.append(str(error))
                return render_template("sales/order_new.html", form=form), error_status(error)
            flash(f"Order #{order.id} created.", "ok")
            return redirect(url_for("sales.order", order_id=order.id))
    status = 400 if form.is_submitted() else 200
    return render_template("sales/order_new.html", form=form), status


@sales.get("/orders/<int:order_id>")
@login_required  # type: ignore[misc]
def order(order_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        found = uow.session.get(Order, order_id) or abort(404)
        return render_template(
            "sales/order.html", order=found, paid=ops.paid_amount(found),
            next_statuses=sorted(ops.TRANSITIONS[found.status]),
            payment_form=PaymentForm(), shipment_form=ShipmentForm(),
        )  # fmt: skip


def _order_action(order_id: int, action) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    with container_of().uow() as uow:
        try:
            action(uow.session)
            uow.commit()
        except ops.OrderError as error:
            flash(str(error), "error")
    return redirect(url_for("sales.order", order_id=order_id))


@sales.post("/orders/<int:order_id>/status/<status>")
@login_required  # type: ignore[misc]
def order_status(order_id: int, status: str) -> ResponseReturnValue:
    if status not in set(OrderStatus):
        abort(404)
    return _order_action(
        order_id,
        lambda s: ops.change_order_status(s, _context(s), order_id, OrderStatus(status)),
    )


@sales.post("/orders/<int:order_id>/payments")
@login_required  # type: ignore[misc]
def order_payment(order_id: int) -> ResponseReturnValue:
    form = PaymentForm()
    if not form.validate_on_submit():
        flash("; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items()), "error")
        return redirect(url_for("sales.order", order_id=order_id))
    amount = Decimal(form.amount.data)
    return _order_action(
        order_id,
        lambda s: ops.record_payment(
            s, current_viewer(s), order_id, amount, utcnow(), form.method.data or "",
            form.reference.data or "",
        ),
    )  # fmt: skip


@sales.post("/orders/<int:order_id>/shipments")
@login_required  # type: ignore[misc]
def order_shipment(order_id: int) -> ResponseReturnValue:
    form = ShipmentForm()
    if not form.validate_on_submit():
        flash("; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items()), "error")
        return redirect(url_for("sales.order", order_id=order_id))
    return _order_action(
        order_id,
        lambda s: ops.record_shipment(
            s, current_viewer(s), order_id, form.carrier.data or "",
            form.tracking_number.data or "", utcnow(),
        ),
    )  # fmt: skip


@sales.post("/opportunities/<int:opportunity_id>/order")
@login_required  # type: ignore[misc]
def order_from_deal(opportunity_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        try:
            created = create_order_from_opportunity(
                uow.session, _context(uow.session), opportunity_id
            )
            uow.commit()
        except ops.OrderError as error:
            flash(str(error), "error")
            return redirect(url_for("sales.opportunity", opportunity_id=opportunity_id))
        flash(f"Order #{created.id} created from the deal.", "ok")
        return redirect(url_for("sales.order", order_id=created.id))
