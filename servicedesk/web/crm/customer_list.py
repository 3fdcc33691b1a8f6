"""GET /crm/customers: the customer list with search, filters and keyset pages.

Thin: parses the query string, calls `list_customers` (which scopes to the viewer) and
renders. The customer page is another module's (`crm.customer_page`); until it exists
rows link to its path.
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from crm_core.customers import LifecycleStage
from crm_core.customers.listing import NO_OWNER, CustomerFilter, list_customers
from crm_core.customers.operations import TIERS
from servicedesk.current import container_of
from servicedesk.desk.customer_access import customer_scope
from servicedesk.desk.owners import agent_names, owner_choices
from servicedesk.web.crm.blueprint import crm
from servicedesk.web.crm.viewer import current_viewer
from servicedesk.web.ids import parse_id

FILTER_NAMES = ("q", "stage", "owner", "tier", "tag")


@crm.get("/customers")
@login_required  # type: ignore[misc]
def customers() -> ResponseReturnValue:
    args = request.args
    filters = CustomerFilter(
        search=args.get("q", "")[:200],
        stage=args.get("stage", ""),
        owner=args.get("owner", ""),
        tier=args.get("tier", ""),
        tag=args.get("tag", "")[:60],
    )
    with container_of().uow() as uow:
        viewer = current_viewer(uow.session)
        page = list_customers(
            uow.session,
            filters,
            after=parse_id(args.get("after")),
            before=parse_id(args.get("before")),
            # The same record scope as the customer pages (crm_core.scoping).
            scope=customer_scope(viewer),
        )
        owners = agent_names(uow.session, [row.owner_id for row in page.rows])
        choices = owner_choices(uow.session)
    kept = {name: args[name] for name in FILTER_NAMES if args.get(name)}
    return render_template(
        "crm/customers.html",
        page=page,
        filters=filters,
        kept=kept,
        owners=owners,
        owner_choices=choices,
        no_owner=NO_OWNER,
        stages=[stage.value for stage in LifecycleStage],
        tiers=TIERS,
        link=_customer_link,
    ), (400 if page.errors else 200)


def _customer_link(customer_id: int) -> str:
    # crm.customer_page is the customer page module's; link to its path until it exists.
    if "crm.customer_page" in current_app.view_functions:
        return url_for("crm.customer_page", customer_id=customer_id)
    return f"{url_for('crm.customers')}/{customer_id}"
