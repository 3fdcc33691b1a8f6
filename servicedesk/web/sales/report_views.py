"""Forecast and report pages, each chart with a CSV export of the same figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from crm_core.orders.reports import PRODUCT_HEADERS, product_sales
from crm_core.sales import deal_queries
from crm_core.sales.forecast import GroupBy, WhatIf, parse_what_if
from crm_core.sales.reports import FUNNEL_HEADERS, REP_HEADERS, funnel, rep_performance
from servicedesk.current import container_of
from servicedesk.desk.sales_facts import agent_names, forecast_for
from servicedesk.web.sales.blueprint import sales
from servicedesk.web.sales.deal_access import current_viewer

FORECAST_HEADERS = ["group", "deals", "amount", "weighted", "commit", "best case", "projected",
                    "difference"]  # fmt: skip
FORECAST_FIGURES = ("deals", "amount", "weighted", "commit", "best_case", "projected", "difference")


def _what_if() -> tuple[WhatIf, list[str]]:
    """The what-if form's scenario from the query string, and the problems found in it."""
    args, problems = request.args, []
    overrides = [
        line for line in args.get("what_if", "").replace(",", "\n").splitlines() if line.strip()
    ]
    try:
        stages = parse_what_if(overrides)
    except ValueError as error:
        stages, problems = {}, [str(error)]
    numbers = {}
    for name, default in (("scale", 1.0), ("slip_days", 0.0)):
        try:
            numbers[name] = float(args.get(name) or default)
        except ValueError:
            numbers[name] = default
            problems.append(f"{name}: a number")
    scale = max(0.0, numbers["scale"])
    return WhatIf(stages, scale, int(numbers["slip_days"])), problems


@sales.get("/forecast")
@login_required  # type: ignore[misc]
def forecast_page() -> ResponseReturnValue:
    by = request.args.get("by", "month")
    if by not in set(GroupBy):
        by = "month"
    scenario, problems = _what_if()
    currency = (request.args.get("currency") or "EUR").upper()[:3]
    with container_of().uow() as uow:
        result = forecast_for(
            uow.session, current_viewer(uow.session), GroupBy(by), scenario, currency
        )
    rows = [[row.key, *(getattr(row, n) for n in FORECAST_FIGURES)] for row in result.rows]
    if request.args.get("format") == "csv":
        return _csv("forecast.csv", FORECAST_HEADERS, rows)
    chart = {
        "labels": [row.key for row in result.rows],
        "series": [
            [label, [float(getattr(row, name)) for row in result.rows]]
            for label, name in (
                ("weighted (baseline)", "weighted"),
                ("projected (what-if)", "projected"),
                ("commit", "commit"),
                ("best case", "best_case"),
            )
        ],
    }
    return render_template(
        "sales/forecast.html", result=result, chart=chart, problems=problems, args=request.args,
        by=by, figures=FORECAST_FIGURES,
    )  # fmt: skip


@sales.get("/reports")
@login_required  # type: ignore[misc]
def reports() -> ResponseReturnValue:
    tables = _report_tables()
    charts = {
        "funnel": {"labels": [r[0] for r in tables["funnel"][1]],
                   "series": [["reached", [r[1] for r in tables["funnel"][1]]]]},
        "reps": {"labels": [r[0] for r in tables["reps"][1]],
                 "series": [["won revenue", [float(r[1]) for r in tables["reps"][1]]]]},
        "products": _product_chart(tables["products"][1]),
    }  # fmt: skip
    return render_template("sales/reports.html", tables=tables, charts=charts)


@sales.get("/reports/<name>.csv")
@login_required  # type: ignore[misc]
def report_csv(name: str) -> ResponseReturnValue:
    tables = _report_tables()
    if name not in tables:
        abort(404)
    headers, rows = tables[name]
    return _csv(f"{name}.csv", headers, rows)


def _report_tables() -> dict[str, tuple[list[str], list[list[object]]]]:
    with container_of().uow() as uow:
        session = uow.session
        viewer = current_viewer(session)
        pipelines = deal_queries.pipelines(session)
        steps = funnel(session, viewer, pipelines[0]) if pipelines else []
        reps = rep_performance(session, viewer, agent_names(session))
        products = product_sales(session)
    return {
        "funnel": (FUNNEL_HEADERS, [step.as_row() for step in steps]),
        "reps": (REP_HEADERS, [row.as_row() for row in reps]),
        "products": (PRODUCT_HEADERS, [row.as_row() for row in products]),
    }


def _product_chart(rows: list[list[object]]) -> dict[str, object]:
    months = sorted({str(row[0]) for row in rows})
    series: dict[str, list[float]] = {}
    for month, sku, _name, _units, revenue in rows:
        values = series.setdefault(str(sku), [0.0] * len(months))
        values[months.index(str(month))] += float(str(revenue))
    return {"labels": months, "series": [[sku, values] for sku, values in sorted(series.items())]}


def _csv(filename: str, headers: list[str], rows: Iterable[list[object]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
        writer.writerow([f"'{c}" if str(c)[:1] in "=+-@" and not _number(c) else c for c in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _number(cell: object) -> bool:
    try:
        float(str(cell))
    except ValueError:
        return False
    return True
