"""Duplicates and merges: the candidate pairs, the side-by-side merge screen, undo."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.customers import Customer
from crm_core.customers.merging import (
    MERGED,
    SURVIVOR,
    MergeError,
    merge_customers,
    mergeable_fields,
    recent_merges,
    undo_merge,
)
from crm_core.customers.visibility import NotAllowed, check_crm_user, check_sees
from crm_core.dedupe import find_duplicates
from servicedesk.current import container_of
from servicedesk.desk.customer_view import load_customer
from servicedesk.web.crm.access import current_viewer
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.crm.forms import UndoForm
from servicedesk.web.ids import parse_id

PAIRS_SHOWN = 200


@crm.get("/duplicates")
@login_required  # type: ignore[misc]
def duplicates() -> ResponseReturnValue:
    with container_of().uow() as uow:
        try:
            check_crm_user(current_viewer(uow.session))
        except NotAllowed:
            abort(403)
        pairs = find_duplicates(uow.session)[:PAIRS_SHOWN]
        ids = {i for p in pairs for i in (p.left_id, p.right_id)}
        query = select(Customer.id, Customer.name).where(Customer.id.in_(ids))
        names: dict[int, str] = dict(uow.session.execute(query).all())
        return render_template(
            "crm/duplicates.html",
            pairs=pairs,
            names=names,
            merges=recent_merges(uow.session),
            undo_form=UndoForm(),
        )


def _pair() -> tuple[int, int]:
    a, b = parse_id(request.args.get("a")), parse_id(request.args.get("b"))
    if a is None or b is None:
        abort(400, "a and b: two customer ids")
    if a == b:
        abort(400, "a and b: two different customers")
    return a, b


def _load(session: Session, customer_id: int) -> Customer:
    customer = load_customer(session, customer_id)
    if customer is None:
        abort(404)
    return customer


def _screen(session: Session, a: int, b: int, status: int = 200) -> ResponseReturnValue:
    viewer = current_viewer(session)
    try:
        check_sees(session, viewer, a)
        check_sees(session, viewer, b)
    except NotAllowed:
        abort(403)
    left, right = _load(session, a), _load(session, b)
    rows = [
        (f, _shown(Customer.__table__.c[f], left), _shown(Customer.__table__.c[f], right))
        for f in mergeable_fields()
    ]
    return render_template(
        "crm/merge.html", left=left, right=right, rows=rows, may_write=viewer.may_write,
        form=UndoForm(),
    ), status  # fmt: skip


def _shown(column: Any, customer: Customer) -> str:
    attribute = customer.__mapper__.get_property_by_column(column).key
    value = getattr(customer, attribute)
    if value is None or value == "":
        return ""
    return str(getattr(value, "value", value))


@crm.get("/merge")
@login_required  # type: ignore[misc]
def merge_screen() -> ResponseReturnValue:
    a, b = _pair()
    with container_of().uow() as uow:
        return _screen(uow.session, a, b)


def _choices(a: int, b: int) -> tuple[int, int, dict[str, str]]:
    """Survivor, merged and per-field choices from the posted form; 400 naming the field."""
    keep = request.form.get("survivor")
    if keep not in {"a", "b"}:
        abort(400, "survivor: choose a or b")
    survivor, merged = (a, b) if keep == "a" else (b, a)
    choices = {}
    for name in mergeable_fields():
        side = request.form.get(f"field_{name}", keep)
        if side not in {"a", "b"}:
            abort(400, f"field_{name}: choose a or b")
        choices[name] = SURVIVOR if side == keep else MERGED
    return survivor, merged, choices


@crm.post("/merge")
@login_required  # type: ignore[misc]
def merge() -> ResponseReturnValue:
    a, b = _pair()
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400, "csrf_token: the form expired; reload the page")
    survivor, merged, choices = _choices(a, b)
    with container_of().uow() as uow:
        viewer = current_viewer(uow.session)
        try:
            record = merge_customers(
                uow.session, survivor, merged, current_user.id, choices, viewer=viewer
            )
        except NotAllowed:
            abort(403)
        except MergeError as error:
            flash(str(error), "error")
            return _screen(uow.session, a, b, 400)
        uow.commit()
        flash(
            f"Customer {merged} merged into {survivor} ({record.moved_rows} records moved); "
            f"merge #{record.id} can be undone on the duplicates page for 30 days.",
            "ok",
        )
    return redirect(url_for("crm.customer_page", customer_id=survivor))


@crm.post("/merges/<int:merge_id>/undo")
@login_required  # type: ignore[misc]
def undo(merge_id: int) -> ResponseReturnValue:
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400, "csrf_token: the form expired; reload the page")
    with container_of().uow() as uow:
        viewer = current_viewer(uow.session)
        if not viewer.may_write:
            abort(403)
        try:
            record = undo_merge(uow.session, merge_id, current_user.id)
        except MergeError as error:
            flash(str(error), "error")
            return redirect(url_for("crm.duplicates"))
        uow.commit()
        flash(f"Merge #{merge_id} undone: customer {record.merged_id} is back.", "ok")
        return redirect(url_for("crm.customer_page", customer_id=record.merged_id))
